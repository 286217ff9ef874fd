//! Unit tests of cutting and joining: a test chunk is built with lopdf
//! (nested page tree, inherited attributes, links, named destinations,
//! object streams on request), cut and joined, and the output read back
//! strictly; plus the serializer's escaping. The PDF/A copies are tested in
//! `tests/archival.rs`, on the same test chunks.

use lopdf::{dictionary, LoadOptions, SaveOptions, Stream, StringFormat};

use super::writer::{end_of_stream, file_id, write_name, write_object, write_string};
use super::*;

mod archival;

/// How a test chunk is built.
#[derive(Clone, Copy)]
struct Spec {
    /// Number of pages.
    pages: usize,
    /// Number printed on the first page ("Page N").
    first_number: usize,
    /// Save with object streams and a cross-reference stream.
    object_streams: bool,
    /// Put the pages under an intermediate /Pages node (two levels).
    nested: bool,
    /// Size of a fake embedded font file stream shared by all pages.
    font_file_bytes: usize,
}

impl Default for Spec {
    fn default() -> Self {
        Spec { pages: 5, first_number: 1, object_streams: false, nested: false, font_file_bytes: 0 }
    }
}

/// Builds a chunk PDF with lopdf. Odd pages (1st, 3rd, ...) carry their own
/// /Resources; the others inherit /Resources from the page tree. Every page
/// inherits /MediaBox. Page 2 has a link annotation to page 4 (when there
/// is one) and a text annotation whose /P is page 2.
fn build_chunk(spec: Spec) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let root_pages = doc.new_object_id();
    let mut font = dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
    };
    if spec.font_file_bytes > 0 {
        let data: Vec<u8> = (0..spec.font_file_bytes).map(|i| (i * 7 % 251) as u8).collect();
        let file = doc.add_object(Stream::new(dictionary! {"Length1" => data.len() as i64}, data));
        let descriptor = doc.add_object(dictionary! {
            "Type" => "FontDescriptor",
            "FontName" => "Helvetica",
            "Flags" => 32,
            "FontBBox" => vec![Object::Integer(-166), (-225).into(), 1000.into(), 931.into()],
            "ItalicAngle" => 0,
            "Ascent" => 718,
            "Descent" => -207,
            "CapHeight" => 718,
            "StemV" => 88,
            "FontFile" => file,
        });
        font.set("FontDescriptor", descriptor);
    }
    let font = doc.add_object(font);
    let resources = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font}});
    let parent = if spec.nested { doc.new_object_id() } else { root_pages };

    let page_ids: Vec<ObjectId> = (0..spec.pages).map(|_| doc.new_object_id()).collect();
    for (i, &page_id) in page_ids.iter().enumerate() {
        let text = format!("BT /F1 12 Tf 72 720 Td (Page {}) Tj ET", spec.first_number + i);
        let contents = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
        let mut page = dictionary! {
            "Type" => "Page",
            "Parent" => parent,
            "Contents" => contents,
            "StructParents" => i as i64,
        };
        if i % 2 == 0 {
            page.set("Resources", resources);
        }
        if i == 1 {
            let mut annots = vec![];
            let note = doc.add_object(dictionary! {
                "Type" => "Annot",
                "Subtype" => "Text",
                "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
                "P" => page_id,
                "Contents" => Object::string_literal("note (1)\\"),
            });
            annots.push(Object::Reference(note));
            if let Some(&target) = page_ids.get(3) {
                let link = doc.add_object(dictionary! {
                    "Type" => "Annot",
                    "Subtype" => "Link",
                    "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
                    "Dest" => vec![target.into(), "XYZ".into(), Object::Null, Object::Null, Object::Null],
                });
                annots.push(Object::Reference(link));
            }
            // A link to the named destination (string, name tree) "target3".
            let action = doc.add_object(dictionary! {"S" => "GoTo", "D" => Object::string_literal("target3")});
            let named = doc.add_object(dictionary! {
                "Type" => "Annot",
                "Subtype" => "Link",
                "Rect" => vec![0.into(), 20.into(), 10.into(), 30.into()],
                "A" => action,
            });
            annots.push(Object::Reference(named));
            // A direct link annotation to the named destination (name,
            // catalog /Dests) "target5".
            annots.push(Object::Dictionary(dictionary! {
                "Type" => "Annot",
                "Subtype" => "Link",
                "Rect" => vec![0.into(), 40.into(), 10.into(), 50.into()],
                "Dest" => "target5",
            }));
            page.set("Annots", Object::Array(annots));
        }
        doc.objects.insert(page_id, Object::Dictionary(page));
    }
    let kids: Vec<Object> = page_ids.iter().map(|&id| id.into()).collect();
    let media_box: Vec<Object> = vec![0.into(), 0.into(), 595.into(), Object::Real(841.89)];
    if spec.nested {
        doc.objects.insert(
            parent,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Parent" => root_pages,
                "Kids" => kids,
                "Count" => spec.pages as i64,
                "Resources" => resources,
            }),
        );
        doc.objects.insert(
            root_pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![parent.into()],
                "Count" => spec.pages as i64,
                "MediaBox" => media_box,
            }),
        );
    } else {
        doc.objects.insert(
            root_pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => kids,
                "Count" => spec.pages as i64,
                "MediaBox" => media_box,
                "Resources" => resources,
            }),
        );
    }
    let metadata = doc.add_object(Stream::new(dictionary! {"Type" => "Metadata", "Subtype" => "XML"}, b"<x:xmpmeta/>".to_vec()));
    let xyz = |page: ObjectId| -> Object { vec![page.into(), "XYZ".into(), 0.into(), 800.into(), Object::Null].into() };
    let mut name_pairs = vec![];
    if let Some(&page) = page_ids.get(2) {
        name_pairs.push(Object::string_literal("target3"));
        name_pairs.push(xyz(page));
    }
    let leaf = doc.add_object(dictionary! {"Names" => name_pairs});
    let dest_tree = doc.add_object(dictionary! {"Kids" => vec![leaf.into()]});
    let mut old_dests = Dictionary::new();
    if let Some(&page) = page_ids.get(4) {
        old_dests.set("target5", dictionary! {"D" => xyz(page)});
    }
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => root_pages,
        "Names" => dictionary! {"Dests" => dest_tree},
        "Dests" => old_dests,
        "Lang" => Object::string_literal("de-CH"),
        "ViewerPreferences" => dictionary! {"DisplayDocTitle" => true},
        "Metadata" => metadata,
        "MarkInfo" => dictionary! {"Marked" => false},
    });
    let info = doc.add_object(dictionary! {
        "Title" => Object::string_literal("whole chunk"),
        "Producer" => Object::string_literal("Typst 0.15.1"),
        "CreationDate" => Object::string_literal("D:20250101120000Z"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    doc.max_id = doc.objects.keys().map(|id| id.0).max().unwrap_or(0);
    let options = if spec.object_streams {
        SaveOptions::builder().use_object_streams(true).use_xref_streams(true).build()
    } else {
        SaveOptions::default()
    };
    let mut bytes = Vec::new();
    doc.save_with_options(&mut bytes, options).expect("save test chunk");
    bytes
}

/// Loads output strictly, so a broken cross-reference table fails.
fn load_strict(bytes: &[u8]) -> Document {
    let doc = Document::load_mem_with_options(bytes, LoadOptions { strict: true, ..Default::default() }).expect("output loads strictly");
    assert!(doc.xref_recovery.is_none(), "xref needed repair");
    doc
}

/// Text of each page of `doc`, trimmed.
fn page_texts(doc: &Document) -> Vec<String> {
    let count = doc.get_pages().len() as u32;
    (1..=count).map(|n| doc.extract_text(&[n]).expect("extract text").trim().to_string()).collect()
}

/// The page dictionaries of `doc`, in order.
fn page_dicts(doc: &Document) -> Vec<&Dictionary> {
    doc.page_iter().map(|id| doc.get_dictionary(id).unwrap()).collect()
}

#[test]
fn extract_gives_standalone_pdf_of_the_range() {
    let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    assert_eq!(chunk.page_count(), 5);
    let bytes = chunk.extract(1..3, "invoice-2", Some("Invoice 2")).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"));
    assert!(bytes.ends_with(b"%%EOF\n"));
    let doc = load_strict(&bytes);
    assert_eq!(doc.get_pages().len(), 2);
    assert_eq!(doc.extract_text(&[1]).unwrap().trim(), "Page 2");
    assert_eq!(doc.extract_text(&[2]).unwrap().trim(), "Page 3");
    assert_eq!(page_texts(&doc), ["Page 2", "Page 3"]);

    // No content of unselected pages was copied.
    for object in doc.objects.values() {
        if let Object::Stream(stream) = object {
            let content = String::from_utf8_lossy(&stream.content);
            for n in [1, 4, 5] {
                assert!(!content.contains(&format!("(Page {n})")), "page {n} leaked");
            }
        }
    }

    // Page dictionaries: inherited attributes copied, structure bits dropped.
    let root = doc.catalog().unwrap().get(b"Pages").unwrap().as_reference().unwrap();
    for page in page_dicts(&doc) {
        assert_eq!(page.get(b"Parent").unwrap().as_reference().unwrap(), root);
        let media_box = page.get(b"MediaBox").unwrap().as_array().unwrap();
        assert_eq!(media_box.len(), 4);
        assert_eq!(media_box[2].as_float().unwrap(), 595.0);
        assert!((media_box[3].as_float().unwrap() - 841.89).abs() < 1e-3);
        assert!(page.has(b"Resources"));
        assert!(!page.has(b"StructParents"));
    }
    assert!(!doc.get_dictionary(root).unwrap().has(b"MediaBox"));

    // Page 2 keeps its own note and its link to page 3 (named, so
    // rewritten to an explicit destination) but loses the links to the
    // pages 4 and 5.
    let pages: Vec<ObjectId> = doc.page_iter().collect();
    let annots = page_dicts(&doc)[0].get(b"Annots").unwrap().as_array().unwrap();
    assert_eq!(annots.len(), 2);
    let note = doc.get_dictionary(annots[0].as_reference().unwrap()).unwrap();
    assert_eq!(note.get(b"Subtype").unwrap().as_name().unwrap(), b"Text");
    assert_eq!(note.get(b"P").unwrap().as_reference().unwrap(), pages[0]);
    assert_eq!(note.get(b"Contents").unwrap().as_str().unwrap(), b"note (1)\\");
    let link = doc.get_dictionary(annots[1].as_reference().unwrap()).unwrap();
    let action = link.get(b"A").unwrap().as_dict().unwrap();
    assert_eq!(action.get(b"S").unwrap().as_name().unwrap(), b"GoTo");
    let dest = action.get(b"D").unwrap().as_array().unwrap();
    assert_eq!(dest[0].as_reference().unwrap(), pages[1]);
    assert_eq!(dest[1].as_name().unwrap(), b"XYZ");
    assert!(!catalog_has_names(&doc));

    // Catalog: /Lang and /ViewerPreferences only.
    let catalog = doc.catalog().unwrap();
    assert_eq!(catalog.get(b"Lang").unwrap().as_str().unwrap(), b"de-CH");
    assert!(catalog.has(b"ViewerPreferences"));
    assert!(!catalog.has(b"Metadata"));
    assert!(!catalog.has(b"MarkInfo"));

    // Info: our title, the chunk's other entries.
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"Invoice 2");
    assert_eq!(info.get(b"Producer").unwrap().as_str().unwrap(), b"Typst 0.15.1");
    assert_eq!(info.get(b"CreationDate").unwrap().as_str().unwrap(), b"D:20250101120000Z");

    // Trailer /ID: two equal strings, sha256(ident)[..16].
    let id = doc.trailer.get(b"ID").unwrap().as_array().unwrap();
    assert_eq!(id.len(), 2);
    assert_eq!(id[0].as_str().unwrap(), &file_id("invoice-2")[..]);
    assert_eq!(id[1].as_str().unwrap(), &file_id("invoice-2")[..]);
}

#[test]
fn extract_without_title_drops_the_chunk_title() {
    let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    let doc = load_strict(&chunk.extract(0..1, "x", None).unwrap());
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    assert!(!info.has(b"Title"));
    assert!(info.has(b"Producer"));
    // The link annotation of page 2 is not reachable from page 1.
    assert_eq!(doc.get_pages().len(), 1);
}

#[test]
fn non_ascii_title_is_utf16be_with_bom() {
    let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    let doc = load_strict(&chunk.extract(0..1, "x", Some("Rechnung Müller €")).unwrap());
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let title = doc.get_dictionary(info).unwrap().get(b"Title").unwrap().as_str().unwrap();
    let mut expected = vec![0xFE, 0xFF];
    expected.extend("Rechnung Müller €".encode_utf16().flat_map(u16::to_be_bytes));
    assert_eq!(title, expected.as_slice());
}

/// Whether the catalog of `doc` has a /Names or /Dests entry.
fn catalog_has_names(doc: &Document) -> bool {
    let catalog = doc.catalog().unwrap();
    catalog.has(b"Names") || catalog.has(b"Dests")
}

#[test]
fn links_within_the_range_are_kept() {
    let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    let doc = load_strict(&chunk.extract(1..5, "x", None).unwrap());
    let pages: Vec<ObjectId> = doc.page_iter().collect();
    let annots = page_dicts(&doc)[0].get(b"Annots").unwrap().as_array().unwrap();
    assert_eq!(annots.len(), 4);
    let link = doc.get_dictionary(annots[1].as_reference().unwrap()).unwrap();
    let dest = link.get(b"Dest").unwrap().as_array().unwrap();
    assert_eq!(dest[0].as_reference().unwrap(), pages[2]);
    let named = doc.get_dictionary(annots[2].as_reference().unwrap()).unwrap();
    let dest = named.get(b"A").unwrap().as_dict().unwrap().get(b"D").unwrap().as_array().unwrap();
    assert_eq!(dest[0].as_reference().unwrap(), pages[1]);
    let direct = annots[3].as_dict().unwrap();
    let dest = direct.get(b"Dest").unwrap().as_array().unwrap();
    assert_eq!(dest[0].as_reference().unwrap(), pages[3]);
    assert_eq!(dest[3].as_i64().unwrap(), 800);

    // Only the note is left when page 2 is alone.
    let doc = load_strict(&chunk.extract(1..2, "x", None).unwrap());
    let annots = page_dicts(&doc)[0].get(b"Annots").unwrap().as_array().unwrap();
    assert_eq!(annots.len(), 1);
}

#[test]
fn object_streams_nested_tree_and_inherited_resources() {
    let spec = Spec { object_streams: true, nested: true, ..Spec::default() };
    let bytes = build_chunk(spec);
    assert!(bytes.windows(7).any(|w| w == b"/ObjStm"), "test chunk should use object streams");
    let chunk = PdfChunk::parse(&bytes).unwrap();
    assert_eq!(chunk.page_count(), 5);
    let doc = load_strict(&chunk.extract(1..3, "x", None).unwrap());
    assert_eq!(page_texts(&doc), ["Page 2", "Page 3"]);
    for page in page_dicts(&doc) {
        assert!(page.has(b"MediaBox"));
        assert!(page.has(b"Resources"));
    }
}

#[test]
fn out_of_range_and_empty_ranges_are_errors() {
    let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    let err = chunk.extract(3..9, "x", None).unwrap_err();
    assert_eq!(err.to_string(), "page range 3..9 is outside the chunk's 5 pages");
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = 3..2;
    let err = chunk.extract(reversed, "x", None).unwrap_err();
    assert_eq!(err.to_string(), "page range 3..2 is empty");
    let err = chunk.extract(2..2, "x", None).unwrap_err();
    assert_eq!(err.to_string(), "page range 2..2 is empty");

    let mut concat = PdfConcat::new(Vec::new(), "x", None).unwrap();
    let err = concat.append(&chunk, 4..6).unwrap_err();
    assert_eq!(err.to_string(), "page range 4..6 is outside the chunk's 5 pages");
    assert_eq!(concat.page_count(), 0);
    assert_eq!(concat.finish().unwrap_err().to_string(), "the concatenated PDF has no pages");
}

#[test]
fn garbage_input_is_an_error_not_a_panic() {
    assert!(matches!(PdfChunk::parse(b"not a pdf"), Err(PdfCutError::Parse(_))));
    assert!(PdfChunk::parse(b"").is_err());
    let bytes = build_chunk(Spec::default());
    for cut in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 40] {
        if let Ok(chunk) = PdfChunk::parse(&bytes[..cut]) {
            for range in [0..1, 0..chunk.page_count()] {
                let _ = chunk.extract(range, "x", None);
            }
        }
    }
}

/// Renders `(chunk index, range)` appends into one PDF.
fn concat(chunks: &[&PdfChunk], plan: &[(usize, Range<usize>)]) -> Vec<u8> {
    let mut concat = PdfConcat::new(Vec::new(), "print-2025-01", Some("Print file")).unwrap();
    for (index, range) in plan {
        concat.append(chunks[*index], range.clone()).unwrap();
    }
    let expected: usize = plan.iter().map(|(_, range)| range.len()).sum();
    assert_eq!(concat.page_count(), expected);
    concat.finish().unwrap()
}

/// Number of indirect objects of `doc` that are Helvetica font dictionaries.
fn font_count(doc: &Document) -> usize {
    doc.objects
        .values()
        .filter(|o| matches!(o, Object::Dictionary(d) if d.get(b"BaseFont").ok() == Some(&Object::Name(b"Helvetica".to_vec()))))
        .count()
}

#[test]
fn concat_shares_a_resource_only_when_its_content_is_the_same() {
    // Font files of different sizes: different fonts, each written once.
    let a = PdfChunk::parse(&build_chunk(Spec { font_file_bytes: 100, ..Spec::default() })).unwrap();
    let b = PdfChunk::parse(&build_chunk(Spec { font_file_bytes: 200, ..Spec::default() })).unwrap();
    let again = PdfChunk::parse(&build_chunk(Spec { font_file_bytes: 100, first_number: 7, ..Spec::default() })).unwrap();
    let bytes = concat(&[&a, &b, &again], &[(0, 0..2), (1, 0..2), (2, 0..2), (1, 2..3)]);
    let doc = load_strict(&bytes);
    assert_eq!(page_texts(&doc), ["Page 1", "Page 2", "Page 1", "Page 2", "Page 7", "Page 8", "Page 3"]);
    assert_eq!(font_count(&doc), 2);
}

#[test]
fn concat_joins_ranges_in_order() {
    let a = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    let b = PdfChunk::parse(&build_chunk(Spec { pages: 4, first_number: 11, object_streams: true, ..Spec::default() })).unwrap();
    let plan = [(0, 1..3), (1, 0..2), (0, 3..5), (0, 0..1), (1, 3..4)];
    let bytes = concat(&[&a, &b], &plan);
    let doc = load_strict(&bytes);
    assert_eq!(doc.get_pages().len(), 8);
    assert_eq!(page_texts(&doc), ["Page 2", "Page 3", "Page 11", "Page 12", "Page 4", "Page 5", "Page 1", "Page 14"]);
    // The two chunks' fonts are the same object graph: written once.
    assert_eq!(font_count(&doc), 1);
    let root = doc.catalog().unwrap().get(b"Pages").unwrap().as_reference().unwrap();
    assert_eq!(root, (1, 0));
    for page in page_dicts(&doc) {
        assert_eq!(page.get(b"Parent").unwrap().as_reference().unwrap(), root);
        assert!(page.has(b"MediaBox"));
    }
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"Print file");
}

#[test]
fn output_is_deterministic() {
    let bytes = build_chunk(Spec { font_file_bytes: 1000, ..Spec::default() });
    let first = PdfChunk::parse(&bytes).unwrap();
    let second = PdfChunk::parse(&bytes).unwrap();
    let one = first.extract(1..3, "invoice-7", Some("Rechnung 7")).unwrap();
    assert_eq!(one, first.extract(1..3, "invoice-7", Some("Rechnung 7")).unwrap());
    assert_eq!(one, second.extract(1..3, "invoice-7", Some("Rechnung 7")).unwrap());
    assert_ne!(one, first.extract(1..3, "invoice-8", Some("Rechnung 7")).unwrap());

    let plan = [(0, 0..2), (1, 2..5), (0, 4..5)];
    let joined = concat(&[&first, &second], &plan);
    assert_eq!(joined, concat(&[&first, &second], &plan));
    assert_eq!(page_texts(&load_strict(&joined)), ["Page 1", "Page 2", "Page 3", "Page 4", "Page 5", "Page 5"]);
}

#[test]
fn font_file_is_copied_byte_for_byte() {
    let chunk = PdfChunk::parse(&build_chunk(Spec { font_file_bytes: 5000, ..Spec::default() })).unwrap();
    let doc = load_strict(&chunk.extract(0..3, "x", None).unwrap());
    let files: Vec<&Stream> = doc.objects.values().filter_map(|o| o.as_stream().ok()).filter(|s| s.dict.has(b"Length1")).collect();
    assert_eq!(files.len(), 1, "the shared font file is written once");
    let expected: Vec<u8> = (0..5000).map(|i| (i * 7 % 251) as u8).collect();
    assert_eq!(files[0].content, expected);
}

#[test]
fn serializer_escapes_names_and_strings() {
    let mut buf = Vec::new();
    write_name(&mut buf, b"A B#(x)/\xE9");
    assert_eq!(buf, b"/A#20B#23#28x#29#2F#E9");
    buf.clear();
    write_string(&mut buf, b"a(b)\\c\r\n", StringFormat::Literal);
    assert_eq!(buf, b"(a\\(b\\)\\\\c\\r\\n)");
    buf.clear();
    write_string(&mut buf, &[0, 0xAB], StringFormat::Hexadecimal);
    assert_eq!(buf, b"<00AB>");
    buf.clear();
    let dict = dictionary! {"K" => vec![Object::Real(0.5), Object::Real(12.0), Object::Real(f32::NAN), true.into(), Object::Null]};
    write_object(&mut buf, &Object::Dictionary(dict), 0, &mut |_| None);
    assert_eq!(buf, b"<</K [0.5 12 0 true null]>>");
}

#[test]
fn cutting_a_chunk_into_invoices_keeps_every_page_once() {
    let chunk = PdfChunk::parse(&build_chunk(Spec { pages: 35, font_file_bytes: 40_000, ..Spec::default() })).unwrap();
    // 20 one-page and 5 three-page invoices: 35 pages.
    let mut start = 0;
    let mut seen = Vec::new();
    for i in 0..25 {
        let len = if i % 5 == 4 { 3 } else { 1 };
        let doc = load_strict(&chunk.extract(start..start + len, &format!("invoice-{i}"), Some("Rechnung")).unwrap());
        seen.extend(page_texts(&doc));
        start += len;
    }
    let expected: Vec<String> = (1..=35).map(|n| format!("Page {n}")).collect();
    assert_eq!(seen, expected);
}

/// The text of a page's last content stream (the overlay, if any).
fn last_contents(doc: &Document, page: u32) -> Option<String> {
    let id = doc.get_pages()[&page];
    let Object::Array(parts) = doc.get_dictionary(id).unwrap().get(b"Contents").ok()? else {
        return None;
    };
    let stream = doc.get_object(parts.last()?.as_reference().ok()?).ok()?.as_stream().ok()?;
    Some(String::from_utf8_lossy(&stream.content).into_owned())
}

#[test]
fn overlays_are_drawn_after_the_page_in_a_clean_state_and_blanks_are_empty() {
    let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
    let mut concat = PdfConcat::new(Vec::new(), "print", None).unwrap();
    let bars: &[u8] = b"0 g\n72 500 1.44 10.44 re\nf\n";
    concat.append_with(&chunk, 0..2, &[Some(bars), None]).unwrap();
    concat.append_blank(612.0, 792.0).unwrap();
    concat.append_with(&chunk, 2..3, &[Some(bars)]).unwrap();
    assert!(concat.append_with(&chunk, 3..4, &[None, None]).is_err(), "more overlays than pages");
    let doc = load_strict(&concat.finish().unwrap());
    assert_eq!(doc.get_pages().len(), 4);
    assert_eq!(page_texts(&doc), ["Page 1", "Page 2", "", "Page 3"]);
    for page in [1, 4] {
        let id = doc.get_pages()[&page];
        let Object::Array(parts) = doc.get_dictionary(id).unwrap().get(b"Contents").unwrap() else { panic!("contents array") };
        assert_eq!(parts.len(), 3, "q, the page's own stream, the overlay");
        let first = doc.get_object(parts[0].as_reference().unwrap()).unwrap().as_stream().unwrap();
        assert_eq!(first.content, b"q\n");
        assert_eq!(last_contents(&doc, page).unwrap(), "\nQ\n0 g\n72 500 1.44 10.44 re\nf\n");
    }
    // Page 2 is untouched; the blank page has no contents at all.
    assert_eq!(last_contents(&doc, 2), None);
    let blank = doc.get_dictionary(doc.get_pages()[&3]).unwrap();
    assert!(!blank.has(b"Contents"));
    assert_eq!(blank.get(b"MediaBox").unwrap().as_array().unwrap().len(), 4);
    // One shared `q` stream for the whole file.
    let qs = doc.objects.values().filter(|o| matches!(o, Object::Stream(st) if st.content == b"q\n")).count();
    assert_eq!(qs, 1);
}

#[test]
fn data_ending_in_a_carriage_return_is_closed_with_cr_lf() {
    assert_eq!(end_of_stream(b"abc\r"), b"\r\nendstream\nendobj\n");
    assert_eq!(end_of_stream(b"abc"), b"\nendstream\nendobj\n");
}
