//! A strict multipart/form-data reader for script uploads.

/// One part of a form.
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The file name, if given.
    pub filename: Option<String>,
    /// The part's content type, if given.
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// Splits a `multipart/form-data` body; `content_type` is the request's
/// header (it carries the boundary).
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Vec<Part>, String> {
    let content_type = content_type.ok_or("missing Content-Type; expected multipart/form-data")?;
    if !content_type.starts_with("multipart/form-data") {
        return Err(format!("Content-Type is {content_type}; expected multipart/form-data"));
    }
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"'))
        .ok_or("multipart Content-Type has no boundary")?;
    let delimiter = format!("--{boundary}");
    let mut rest = body.strip_prefix(delimiter.as_bytes()).ok_or("body does not start with the boundary")?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or("boundary not followed by CRLF")?;
        let header_end = find(rest, b"\r\n\r\n").ok_or("part without a header end")?;
        let headers = std::str::from_utf8(&rest[..header_end]).map_err(|_| "part headers are not UTF-8")?;
        let content = &rest[header_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes()).ok_or("part without a closing boundary")?;
        parts.push(part(headers, content[..end].to_vec())?);
        rest = &content[end + 2 + delimiter.len()..];
    }
}

fn part(headers: &str, data: Vec<u8>) -> Result<Part, String> {
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in headers.split("\r\n") {
        let (key, value) = line.split_once(':').ok_or_else(|| format!("bad part header `{line}`"))?;
        match key.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => {
                for param in value.split(';').skip(1) {
                    match param.trim().split_once('=') {
                        Some(("name", v)) => name = Some(v.trim_matches('"').to_string()),
                        Some(("filename", v)) => filename = Some(v.trim_matches('"').to_string()),
                        _ => {}
                    }
                }
            }
            "content-type" => content_type = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let name = name.ok_or("part without a Content-Disposition name")?;
    Ok(Part { name, filename, content_type, data })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_parts_with_names_types_and_bytes() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{}\r\n--XX\r\nContent-Disposition: form-data; name=\"index.js\"; filename=\"index.js\"\r\nContent-Type: application/javascript+module\r\n\r\nexport default {}\r\n--XX--\r\n";
        let parts = super::parse(Some("multipart/form-data; boundary=XX"), body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "metadata");
        assert_eq!(parts[1].filename.as_deref(), Some("index.js"));
        assert_eq!(parts[1].content_type.as_deref(), Some("application/javascript+module"));
        assert_eq!(parts[1].data, b"export default {}");
    }

    #[test]
    fn rejects_a_body_without_closing_boundary() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{}";
        assert!(super::parse(Some("multipart/form-data; boundary=XX"), body).is_err());
    }
}
