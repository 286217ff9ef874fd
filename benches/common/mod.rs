//! What the benchmarks share: memory and size measurements, and the report.

/// Peak resident memory of this process (VmHWM), MiB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Bytes of the files under `dir`.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            total += if p.is_dir() { dir_bytes(&p) } else { e.metadata().map_or(0, |m| m.len()) };
        }
    }
    total
}

/// Prints what a document run made and its figures: pages per second, peak
/// memory, bytes per page of the print files and the file copies under
/// `documents/`, and (`targets`) whether the run met 60 s wall, 1.5 GB peak
/// and 8 KB a print page.
pub fn report<E>(what: &str, summary: &ssps::pipeline::Summary<E>, out: &std::path::Path, secs: f64, targets: bool) {
    let pages = summary.pages;
    let print_pages = summary.print.pages.max(1);
    let peak = peak_rss_mb();
    let doc_bytes = dir_bytes(&out.join("documents"));
    println!(
        "{what}: {} documents, {} pages; print job: {} envelopes ({} flats), {} pages, {} sheets, {} batch files",
        summary.documents,
        pages,
        summary.print.envelopes,
        summary.print.flats,
        summary.print.pages,
        summary.print.sheets,
        summary.print.files.len()
    );
    println!("wall: {secs:.1} s  ({:.0} pages/s)", pages as f64 / secs);
    println!("peak memory: {peak:.0} MiB");
    let per_print_page = summary.print.bytes as f64 / print_pages as f64;
    println!("print files: {:.2} KB/page ({} bytes)", per_print_page / 1000.0, summary.print.bytes);
    println!("file copies: {:.2} KB/page ({} bytes)", doc_bytes as f64 / pages.max(1) as f64 / 1000.0, doc_bytes);
    if targets {
        let ok = |b: bool| if b { "ok" } else { "MISSED" };
        println!(
            "targets: wall < 60 s {}; peak < 1.5 GB {}; print < 8 KB/page {}",
            ok(secs < 60.0),
            ok(peak < 1536.0),
            ok(per_print_page < 8000.0)
        );
    }
}
