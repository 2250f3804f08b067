//! What the app's first bytes say about where it is going: the server
//! name of a TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3), or the `Host`
//! of a plain HTTP request. Both go to workerd as hints, which its
//! hostname rules match against.

/// What is known from the bytes so far.
#[derive(Debug, PartialEq)]
pub enum Sniff {
    /// More bytes could tell.
    NeedMore,
    /// Done: the name, if the bytes carried a usable one.
    Done(Option<String>),
}

/// The largest ClientHello we wait for (one with post-quantum key shares
/// is about 2 KiB).
const MAX_CLIENT_HELLO: usize = 16 * 1024;

/// TLS record type of handshake messages.
const HANDSHAKE: u8 = 0x16;
/// Handshake type of a ClientHello.
const CLIENT_HELLO: u8 = 1;
/// Extension type of server_name.
const SERVER_NAME: u16 = 0;
/// Name type of a host name in server_name.
const HOST_NAME: u8 = 0;

/// True if `first` can start a TLS handshake record.
pub fn may_be_tls(first: u8) -> bool {
    first == HANDSHAKE
}

/// The SNI of the ClientHello at the start of `buf`, which may span
/// several records.
pub fn client_hello_sni(buf: &[u8]) -> Sniff {
    // Gather the handshake bytes from consecutive handshake records.
    let mut handshake = Vec::new();
    let mut off = 0;
    loop {
        if buf.len() < off + 5 {
            return Sniff::NeedMore;
        }
        if buf[off] != HANDSHAKE {
            return Sniff::Done(None);
        }
        let len = u16::from_be_bytes([buf[off + 3], buf[off + 4]]) as usize;
        if buf.len() < off + 5 + len {
            return Sniff::NeedMore;
        }
        handshake.extend_from_slice(&buf[off + 5..off + 5 + len]);
        off += 5 + len;
        if handshake.len() >= 4 {
            if handshake[0] != CLIENT_HELLO {
                return Sniff::Done(None);
            }
            let body_len = u32::from_be_bytes([0, handshake[1], handshake[2], handshake[3]]) as usize;
            if body_len > MAX_CLIENT_HELLO {
                return Sniff::Done(None);
            }
            if handshake.len() >= 4 + body_len {
                return Sniff::Done(server_name(&handshake[4..4 + body_len]));
            }
        }
    }
}

/// The host name in a ClientHello body, if any.
fn server_name(hello: &[u8]) -> Option<String> {
    let mut r = Reader(hello);
    r.skip(2 + 32)?; // legacy_version, random
    r.vec8()?; // legacy_session_id
    r.vec16()?; // cipher_suites
    r.vec8()?; // legacy_compression_methods
    let mut extensions = Reader(r.vec16()?);
    while !extensions.0.is_empty() {
        let kind = extensions.u16()?;
        let data = extensions.vec16()?;
        if kind != SERVER_NAME {
            continue;
        }
        let mut names = Reader(Reader(data).vec16()?);
        while !names.0.is_empty() {
            let name_type = names.u8()?;
            let name = names.vec16()?;
            if name_type == HOST_NAME {
                return hostname(name);
            }
        }
    }
    None
}

/// The `Host` of the plain HTTP request at the start of `buf`.
pub fn http_host(buf: &[u8]) -> Sniff {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) => Sniff::NeedMore,
        Ok(httparse::Status::Complete(_)) => {
            Sniff::Done(req.headers.iter().find(|h| h.name.eq_ignore_ascii_case("host")).and_then(|h| host(h.value)))
        }
        Err(_) => Sniff::Done(None),
    }
}

/// `bytes` as a lowercase DNS host name, if it is one. Anything else is
/// dropped rather than passed on in a header.
fn hostname(bytes: &[u8]) -> Option<String> {
    let ok = !bytes.is_empty()
        && bytes.len() <= 253
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    ok.then(|| String::from_utf8_lossy(bytes).to_ascii_lowercase())
}

/// A `Host` value (a name or IP, maybe with a port) fit to pass on.
fn host(bytes: &[u8]) -> Option<String> {
    let trimmed = std::str::from_utf8(bytes).ok()?.trim();
    let ok = !trimmed.is_empty()
        && trimmed.len() <= 260
        && trimmed.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':' | b'[' | b']'));
    ok.then(|| trimmed.to_string())
}

/// Reads big-endian fields off a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    /// A vector with a one-byte length.
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let len = self.u8()? as usize;
        self.take(len)
    }

    /// A vector with a two-byte length.
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let len = self.u16()? as usize;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The first flight of a real TLS client (rustls) asking for `name`.
    fn client_hello(name: &str) -> Vec<u8> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
        let mut client = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let mut out = Vec::new();
        client.write_tls(&mut out).unwrap();
        out
    }

    /// `hello` (one record) split into two records at `at` bytes of its body.
    fn in_two_records(hello: &[u8], at: usize) -> Vec<u8> {
        let body = &hello[5..];
        let mut out = Vec::new();
        for part in [&body[..at], &body[at..]] {
            out.extend_from_slice(&[HANDSHAKE, 3, 1]);
            out.extend_from_slice(&(part.len() as u16).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    #[test]
    fn the_server_name_of_a_real_client_hello_is_read() {
        let hello = client_hello("API.Example.com");
        assert_eq!(client_hello_sni(&hello), Sniff::Done(Some("api.example.com".to_string())));
    }

    #[test]
    fn a_partial_client_hello_asks_for_more_at_every_length() {
        let hello = client_hello("a.example");
        for len in 0..hello.len() {
            assert_eq!(client_hello_sni(&hello[..len]), Sniff::NeedMore, "at {len} bytes");
        }
    }

    #[test]
    fn a_client_hello_split_over_records_is_put_back_together() {
        let hello = client_hello("split.example");
        let split = in_two_records(&hello, 40);
        assert_eq!(client_hello_sni(&split), Sniff::Done(Some("split.example".to_string())));
        assert_eq!(client_hello_sni(&split[..split.len() - 1]), Sniff::NeedMore);
    }

    #[test]
    fn a_client_hello_without_a_name_or_another_record_has_no_sni() {
        let hello = client_hello("203.0.113.5"); // an IP: clients send no SNI
        assert_eq!(client_hello_sni(&hello), Sniff::Done(None));
        assert_eq!(client_hello_sni(b"\x17\x03\x03\x00\x01x"), Sniff::Done(None));
        assert_eq!(client_hello_sni(b"\x16\x03\x01\x00\x04\x02\x00\x00\x00"), Sniff::Done(None), "a ServerHello");
    }

    /// A minimal ClientHello record with `extensions` (type, length, data each).
    fn hand_made_hello(extensions: &[u8]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]); // random
        body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]); // no session id, one suite, null compression
        body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
        body.extend_from_slice(extensions);
        let mut handshake = vec![CLIENT_HELLO, 0];
        handshake.extend_from_slice(&(body.len() as u16).to_be_bytes());
        handshake.extend_from_slice(&body);
        let mut record = vec![HANDSHAKE, 3, 1];
        record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
        record.extend_from_slice(&handshake);
        record
    }

    #[test]
    fn a_hand_made_client_hello_reads_like_a_real_one() {
        let sni = [0, 0, 0, 14, 0, 12, 0, 0, 9, b'a', b'.', b'e', b'x', b'a', b'm', b'p', b'l', b'e'];
        assert_eq!(client_hello_sni(&hand_made_hello(&sni)), Sniff::Done(Some("a.example".to_string())));
    }

    #[test]
    fn a_client_hello_with_broken_lengths_has_no_sni() {
        // The name claims 50 bytes and has 9.
        let sni = [0, 0, 0, 14, 0, 12, 0, 0, 50, b'a', b'.', b'e', b'x', b'a', b'm', b'p', b'l', b'e'];
        assert_eq!(client_hello_sni(&hand_made_hello(&sni)), Sniff::Done(None));
        // The extension claims more than the list holds.
        let sni = [0, 0, 0, 99, 0, 12, 0, 0, 9, b'a', b'.', b'e', b'x', b'a', b'm', b'p', b'l', b'e'];
        assert_eq!(client_hello_sni(&hand_made_hello(&sni)), Sniff::Done(None));
    }

    #[test]
    fn a_name_with_characters_a_header_cannot_carry_is_dropped() {
        assert_eq!(hostname(b"ok-name_1.example"), Some("ok-name_1.example".to_string()));
        assert_eq!(hostname(b"bad\r\nname"), None);
        assert_eq!(hostname(b""), None);
    }

    #[test]
    fn the_host_of_a_plain_request_is_read_once_its_head_is_complete() {
        assert_eq!(http_host(b"GET / HTTP/1.1\r\nHost: web.example\r\n"), Sniff::NeedMore);
        assert_eq!(http_host(b"GE"), Sniff::NeedMore);
        assert_eq!(
            http_host(b"GET / HTTP/1.1\r\nhost:  web.example:8080 \r\nAccept: */*\r\n\r\nbody"),
            Sniff::Done(Some("web.example:8080".to_string()))
        );
        assert_eq!(http_host(b"GET / HTTP/1.0\r\n\r\n"), Sniff::Done(None));
        assert_eq!(http_host(b"SSH-2.0-OpenSSH_9.6\r\n"), Sniff::Done(None));
        assert_eq!(http_host(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), Sniff::Done(None));
    }
}
