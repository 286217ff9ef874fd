//! Unit tests of the PDF/A-2b copies: the output intent, and metadata
//! that says the same in the XMP packet (read back with an XML parser) and
//! in the `/Info` dictionary, whatever characters the title holds.

use super::{build_chunk, load_strict, Spec};
use crate::pdfcut::archival::SRGB_ICC;
use crate::pdfcut::{Archival, PdfChunk};

#[test]
fn archival_copies_carry_an_output_intent_and_matching_metadata() {
    let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    let archival = Archival { creator: "ssps test".into(), producer: "ssps 0.1".into(), date: (2026, 10, 31) };
    let bytes = chunk.extract_with(0..1, "inv", Some("Invoice <1> & co"), Some(&archival)).unwrap();
    let doc = load_strict(&bytes);
    let catalog = doc.catalog().unwrap();
    let intents = catalog.get(b"OutputIntents").unwrap().as_array().unwrap();
    let intent = intents[0].as_dict().unwrap();
    assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
    let profile = doc.get_object(intent.get(b"DestOutputProfile").unwrap().as_reference().unwrap()).unwrap().as_stream().unwrap();
    assert_eq!(profile.content, SRGB_ICC);
    let xmp = doc.get_object(catalog.get(b"Metadata").unwrap().as_reference().unwrap()).unwrap().as_stream().unwrap();
    let xmp = String::from_utf8(xmp.content.clone()).unwrap();
    assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>") && xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(xmp.contains("<rdf:li xml:lang=\"x-default\">Invoice &lt;1&gt; &amp; co</rdf:li>"), "{xmp}");
    assert!(xmp.contains("<xmp:CreateDate>2026-10-31T00:00:00Z</xmp:CreateDate>"));
    let info = doc.get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap();
    assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"Invoice <1> & co");
    assert_eq!(info.get(b"CreationDate").unwrap().as_str().unwrap(), b"D:20261031000000Z");
    assert_eq!(info.get(b"Producer").unwrap().as_str().unwrap(), b"ssps 0.1");
}

/// A property of the XMP packet `xmp`, read with an XML parser: the text of
/// the element `name` in namespace `ns`, or of its `x-default` `rdf:li`
/// when its value is a language alternative.
fn xmp_property(xmp: &str, ns: &str, name: &str) -> String {
    const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    const XML: &str = "http://www.w3.org/XML/1998/namespace";
    let tree = roxmltree::Document::parse(xmp).unwrap_or_else(|e| panic!("the XMP is not well-formed XML: {e}\n{xmp}"));
    let element = tree.descendants().find(|n| n.has_tag_name((ns, name))).unwrap_or_else(|| panic!("no {name} in\n{xmp}"));
    let value = match element.descendants().find(|n| n.has_tag_name((RDF, "li"))) {
        Some(li) => {
            assert_eq!(li.attribute((XML, "lang")), Some("x-default"));
            li
        }
        None => element,
    };
    value.text().unwrap_or("").to_owned()
}

#[test]
fn titles_and_tools_round_trip_through_the_xmp_and_the_info_dictionary() {
    const DC: &str = "http://purl.org/dc/elements/1.1/";
    const XMP: &str = "http://ns.adobe.com/xap/1.0/";
    const PDF: &str = "http://ns.adobe.com/pdf/1.3/";
    const PDFAID: &str = "http://www.aiim.org/pdfa/ns/id/";
    let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    let archival = Archival { creator: "ssps <1> & \"Typst\"".into(), producer: "O'Connor's ssps — Ngọc".into(), date: (2026, 10, 31) };
    let titles = [
        "Invoice <1> & co",
        "Invoice \"300A-261101\" for O'Connor",
        "Thư gửi Ngọc Trần",
        "<![CDATA[ x ]]> &amp; &#60; (paren) back\\slash",
        "",
    ];
    for title in titles {
        let bytes = chunk.extract_with(0..1, "inv", Some(title), Some(&archival)).unwrap();
        let doc = load_strict(&bytes);
        let info = doc.get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap();
        let text = |key: &[u8]| lopdf::decode_text_string(info.get(key).unwrap()).unwrap();
        assert_eq!(text(b"Title"), title);
        assert_eq!(text(b"Creator"), archival.creator);
        assert_eq!(text(b"Producer"), archival.producer);
        assert_eq!(text(b"CreationDate"), "D:20261031000000Z");
        assert_eq!(text(b"ModDate"), "D:20261031000000Z");

        let catalog = doc.catalog().unwrap();
        let xmp = doc.get_object(catalog.get(b"Metadata").unwrap().as_reference().unwrap()).unwrap().as_stream().unwrap();
        let xmp = std::str::from_utf8(&xmp.content).unwrap();
        assert_eq!(xmp_property(xmp, DC, "title"), title);
        assert_eq!(xmp_property(xmp, XMP, "CreatorTool"), archival.creator);
        assert_eq!(xmp_property(xmp, PDF, "Producer"), archival.producer);
        assert_eq!(xmp_property(xmp, XMP, "CreateDate"), "2026-10-31T00:00:00Z");
        assert_eq!(xmp_property(xmp, XMP, "ModifyDate"), "2026-10-31T00:00:00Z");
        assert_eq!(xmp_property(xmp, PDFAID, "part"), "2");
        assert_eq!(xmp_property(xmp, PDFAID, "conformance"), "B");
    }
}
