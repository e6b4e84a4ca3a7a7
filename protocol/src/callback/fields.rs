//! A hardened flat reader for push XML: `<xml>` children as (name, value) pairs, nested
//! elements named by dotted paths. No DOCTYPE, no custom entities, bounded depth and size.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::{Deserialize, Serialize};

use super::crypto::MAX_PUSH_BYTES;
use crate::error::CallbackKind;
use crate::KfError;

/// Deepest element nesting accepted (the root `<xml>` is depth 1).
pub const MAX_DEPTH: usize = 8;
/// Most leaf fields accepted in one push.
pub const MAX_FIELDS: usize = 1024;

/// One leaf field of a push, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RawField {
    /// Element name; nested elements are joined with dots (`ScanCodeInfo.ScanType`).
    pub name: String,
    /// Text and CDATA content, entities resolved.
    pub value: String,
}

fn xml_err(reason: impl Into<String>) -> KfError {
    KfError::callback(CallbackKind::Xml, reason)
}

/// Reads the leaf fields below the `<xml>` root.
pub fn read_fields(xml: &str) -> Result<Vec<RawField>, KfError> {
    if xml.len() > MAX_PUSH_BYTES {
        return Err(KfError::callback(CallbackKind::TooLarge, format!("XML is over {MAX_PUSH_BYTES} bytes")));
    }
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    // Whether the element at each depth has child elements (then it is not a leaf).
    let mut has_children: Vec<bool> = Vec::new();
    let mut text = String::new();
    let mut fields = Vec::new();
    let mut root_seen = false;
    loop {
        let event = reader.read_event().map_err(|e| xml_err(format!("malformed XML: {e}")))?;
        match event {
            Event::DocType(_) => return Err(xml_err("DOCTYPE is not allowed")),
            Event::Start(_) | Event::Empty(_) if path.is_empty() && root_seen => {
                return Err(xml_err("more than one root element"));
            }
            Event::Start(start) => {
                let name = element_name(start.name().as_ref())?;
                if path.is_empty() && name != "xml" {
                    return Err(xml_err(format!("root element is <{name}>, expected <xml>")));
                }
                if path.len() >= MAX_DEPTH {
                    return Err(xml_err(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                root_seen = true;
                if let Some(parent) = has_children.last_mut() {
                    *parent = true;
                }
                path.push(name);
                has_children.push(false);
                text.clear();
            }
            Event::Empty(start) => {
                let name = element_name(start.name().as_ref())?;
                if path.is_empty() {
                    if name != "xml" {
                        return Err(xml_err(format!("root element is <{name}>, expected <xml>")));
                    }
                    root_seen = true;
                    continue;
                }
                if let Some(parent) = has_children.last_mut() {
                    *parent = true;
                }
                push_field(&mut fields, &path, &name, String::new())?;
            }
            Event::End(_) => {
                let name = path.pop().ok_or_else(|| xml_err("unbalanced end tag"))?;
                let was_parent = has_children.pop().unwrap_or(true);
                if !was_parent && !path.is_empty() {
                    push_field(&mut fields, &path, &name, std::mem::take(&mut text))?;
                }
                text.clear();
            }
            Event::Text(t) => {
                let value = t.unescape().map_err(|e| xml_err(format!("bad text or entity: {e}")))?;
                if path.is_empty() {
                    if !value.trim().is_empty() {
                        return Err(xml_err("text outside the root element"));
                    }
                } else {
                    text.push_str(&value);
                }
            }
            Event::CData(c) => {
                if path.is_empty() {
                    return Err(xml_err("CDATA outside the root element"));
                }
                let raw = c.into_inner();
                text.push_str(std::str::from_utf8(&raw).map_err(|_| xml_err("CDATA is not UTF-8"))?);
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !path.is_empty() {
        return Err(xml_err("unexpected end of XML (unclosed elements)"));
    }
    if !root_seen {
        return Err(xml_err("no <xml> root element"));
    }
    Ok(fields)
}

fn element_name(raw: &[u8]) -> Result<String, KfError> {
    let name = std::str::from_utf8(raw).map_err(|_| xml_err("element name is not UTF-8"))?;
    if name.is_empty() || name.len() > 64 {
        return Err(xml_err("element name is empty or longer than 64 bytes"));
    }
    Ok(name.to_string())
}

fn push_field(fields: &mut Vec<RawField>, path: &[String], name: &str, value: String) -> Result<(), KfError> {
    if fields.len() >= MAX_FIELDS {
        return Err(xml_err(format!("more than {MAX_FIELDS} fields")));
    }
    // Skip the root `xml` segment.
    let mut full: Vec<&str> = path.iter().skip(1).map(String::as_str).collect();
    full.push(name);
    fields.push(RawField { name: full.join("."), value });
    Ok(())
}

/// The first field named `name`, if any.
pub fn field<'a>(fields: &'a [RawField], name: &str) -> Option<&'a str> {
    fields.iter().find(|f| f.name == name).map(|f| f.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cdata_text_nested_and_empty() {
        let xml = "<?xml version=\"1.0\"?><xml><A><![CDATA[a]]]]><![CDATA[>b]]></A><B>1 &lt; 2</B><C/>\
                   <N><X><![CDATA[x]]></X></N><!-- c --></xml>";
        let f = read_fields(xml).unwrap();
        let pairs: Vec<(&str, &str)> = f.iter().map(|f| (f.name.as_str(), f.value.as_str())).collect();
        assert_eq!(pairs, vec![("A", "a]]>b"), ("B", "1 < 2"), ("C", ""), ("N.X", "x")]);
    }

    #[test]
    fn rejects_hostile_input() {
        let doctype = "<!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><A>&x;</A></xml>";
        for bad in [
            doctype,
            "<xml><A>&x;</A></xml>",
            "<root/>",
            "<xml><A></B></xml>",
            "<xml><A>",
            "<xml/><xml/>",
            "",
            "junk",
            "<a><b><c><d><e><f><g><h><i></i></h></g></f></e></d></c></b></a>",
        ] {
            assert!(
                matches!(read_fields(bad), Err(KfError::Callback { callback_kind: CallbackKind::Xml, .. })),
                "{bad}"
            );
        }
        let deep = format!("<xml>{}{}</xml>", "<a>".repeat(20), "</a>".repeat(20));
        assert!(read_fields(&deep).is_err());
    }
}
