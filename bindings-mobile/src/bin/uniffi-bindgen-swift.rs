//! UniFFI's Swift generator (sources, headers and one modulemap for both components), pinned
//! to the same version as the library.
fn main() {
    uniffi::uniffi_bindgen_swift()
}
