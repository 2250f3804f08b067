//! A WebSocket echo: handshake, then every text or binary frame back.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;

use base64::Engine;
use sha1::{Digest, Sha1};

use crate::http::Request;

const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

pub fn echo(req: &Request, reader: &mut impl BufRead, out: &mut TcpStream) {
    let Some(key) = req.header("sec-websocket-key") else { return };
    let accept = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(format!("{key}{GUID}")));
    let head = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    while let Some((opcode, payload)) = read_frame(reader) {
        let reply = match opcode {
            0x1 | 0x2 => opcode,
            0x8 => {
                let _ = write_frame(out, 0x8, &payload);
                return;
            }
            0x9 => 0xA,
            _ => continue,
        };
        if write_frame(out, reply, &payload).is_err() {
            return;
        }
    }
}

fn read_frame(reader: &mut impl Read) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 2];
    reader.read_exact(&mut head).ok()?;
    let opcode = head[0] & 0x0f;
    let masked = head[1] & 0x80 != 0;
    let mut len = (head[1] & 0x7f) as u64;
    if len == 126 {
        let mut ext = [0u8; 2];
        reader.read_exact(&mut ext).ok()?;
        len = u16::from_be_bytes(ext) as u64;
    } else if len == 127 {
        let mut ext = [0u8; 8];
        reader.read_exact(&mut ext).ok()?;
        len = u64::from_be_bytes(ext);
    }
    let mut mask = [0u8; 4];
    if masked {
        reader.read_exact(&mut mask).ok()?;
    }
    let mut payload = vec![0u8; len as usize];
    reader.read_exact(&mut payload).ok()?;
    if masked {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
    }
    Some((opcode, payload))
}

fn write_frame(out: &mut TcpStream, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
    let mut frame = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => frame.push(n as u8),
        n if n < 65536 => {
            frame.push(126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    out.write_all(&frame)?;
    out.flush()
}
