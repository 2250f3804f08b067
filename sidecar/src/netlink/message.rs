//! One netlink message as bytes (`linux/netlink.h`): a 16-byte header
//! (length, type, flags, sequence, port id), the family's fixed header,
//! then type-length-value attributes, each padded to 4 bytes. Attributes
//! may nest: a nested attribute's length covers its children.

/// `NLM_F_REQUEST`: every message to the kernel carries it.
pub const NLM_F_REQUEST: u16 = 0x1;
/// `NLM_F_ACK`: the kernel answers with an `NLMSG_ERROR` carrying 0 on success.
pub const NLM_F_ACK: u16 = 0x4;
/// `NLM_F_EXCL`: fail with `EEXIST` instead of touching an existing object.
pub const NLM_F_EXCL: u16 = 0x200;
/// `NLM_F_CREATE`: create the object if it does not exist.
pub const NLM_F_CREATE: u16 = 0x400;
/// `NLM_F_APPEND`: add at the end of a list (nf_tables rules).
pub const NLM_F_APPEND: u16 = 0x800;
/// `NLA_F_NESTED`: set on the type of an attribute that holds attributes.
const NLA_F_NESTED: u16 = 0x8000;

/// Length of `struct nlmsghdr`.
pub const HEADER_LEN: usize = 16;

/// A message under construction.
pub struct Message {
    buf: Vec<u8>,
}

impl Message {
    /// A message of `kind` with `flags` and sequence number `seq`; its
    /// length is filled in by [`Message::finish`].
    pub fn new(kind: u16, flags: u16, seq: u32) -> Message {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&0u32.to_ne_bytes());
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes());
        Message { buf }
    }

    /// Appends raw bytes: the family's fixed header (`nfgenmsg`, `rtmsg`, ...).
    pub fn fixed(&mut self, bytes: &[u8]) -> &mut Message {
        self.buf.extend_from_slice(bytes);
        self.pad();
        self
    }

    /// An attribute holding `value` as it is.
    pub fn attr(&mut self, kind: u16, value: &[u8]) -> &mut Message {
        self.header(kind, 4 + value.len());
        self.buf.extend_from_slice(value);
        self.pad();
        self
    }

    /// An attribute holding a big-endian u32, as nf_tables wants numbers.
    pub fn attr_be32(&mut self, kind: u16, value: u32) -> &mut Message {
        self.attr(kind, &value.to_be_bytes())
    }

    /// An attribute holding a native-endian u32, as rtnetlink wants numbers.
    pub fn attr_ne32(&mut self, kind: u16, value: u32) -> &mut Message {
        self.attr(kind, &value.to_ne_bytes())
    }

    /// An attribute holding `value` and a terminating NUL.
    pub fn attr_str(&mut self, kind: u16, value: &str) -> &mut Message {
        let mut bytes = Vec::with_capacity(value.len() + 1);
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(0);
        self.attr(kind, &bytes)
    }

    /// A nested attribute whose children `fill` writes.
    pub fn nested(&mut self, kind: u16, fill: impl FnOnce(&mut Message)) -> &mut Message {
        let start = self.buf.len();
        self.header(kind | NLA_F_NESTED, 0);
        fill(self);
        let len = u16::try_from(self.buf.len() - start).expect("a netlink attribute longer than 64 KiB");
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self
    }

    /// The finished message, its length set.
    pub fn finish(mut self) -> Vec<u8> {
        let len = u32::try_from(self.buf.len()).expect("a netlink message longer than 4 GiB");
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }

    fn header(&mut self, kind: u16, len: usize) {
        let len = u16::try_from(len).expect("a netlink attribute longer than 64 KiB");
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
    }

    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }
}

/// Splits back-to-back messages into (type, flags, bytes after the
/// header), for tests that compare payloads.
#[cfg(test)]
pub fn split(bytes: &[u8]) -> Vec<(u16, u16, Vec<u8>)> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < bytes.len() {
        let len = u32::from_ne_bytes(bytes[off..off + 4].try_into().unwrap()) as usize;
        let kind = u16::from_ne_bytes(bytes[off + 4..off + 6].try_into().unwrap());
        let flags = u16::from_ne_bytes(bytes[off + 6..off + 8].try_into().unwrap());
        out.push((kind, flags, bytes[off + HEADER_LEN..off + len].to_vec()));
        off += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_carries_length_type_flags_and_sequence_in_host_order() {
        let mut msg = Message::new(0x0a06, NLM_F_REQUEST | NLM_F_ACK, 7);
        msg.fixed(&[1, 0, 0, 0]);
        let bytes = msg.finish();
        assert_eq!(bytes.len(), 20);
        assert_eq!(&bytes[0..4], &20u32.to_ne_bytes());
        assert_eq!(&bytes[4..6], &0x0a06u16.to_ne_bytes());
        assert_eq!(&bytes[6..8], &5u16.to_ne_bytes());
        assert_eq!(&bytes[8..12], &7u32.to_ne_bytes());
        assert_eq!(&bytes[12..16], &[0, 0, 0, 0]);
    }

    #[test]
    fn attributes_are_padded_to_four_bytes_but_their_length_is_not() {
        let mut msg = Message::new(1, 0, 0);
        msg.attr_str(3, "route");
        let bytes = msg.finish();
        // len 10 = 4 header + "route\0"; two bytes of padding follow.
        assert_eq!(&bytes[HEADER_LEN..], &[10, 0, 3, 0, b'r', b'o', b'u', b't', b'e', 0, 0, 0]);
    }

    #[test]
    fn a_nested_attribute_covers_its_padded_children_and_is_flagged() {
        let mut msg = Message::new(1, 0, 0);
        msg.nested(4, |m| {
            m.attr_be32(1, 3);
            m.attr(2, &[0x7f]);
        });
        let bytes = msg.finish();
        assert_eq!(&bytes[HEADER_LEN..], &[20, 0, 4, 0x80, 8, 0, 1, 0, 0, 0, 0, 3, 5, 0, 2, 0, 0x7f, 0, 0, 0]);
    }
}
