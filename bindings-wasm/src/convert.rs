//! Conversions between JS values and core types, and the projection of `KfError`.

use js_sys::{Object, Reflect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wxkf::KfError;

/// Sets `key` on a JS object (cannot fail on a fresh plain object).
pub(crate) fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

/// A property of a JS value (`undefined` when absent or when `value` is not an object).
pub(crate) fn get(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() && !value.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether a value is `undefined` or `null`.
pub(crate) fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

/// The plain object that the JS layer turns into a `WxkfError`. Never holds a secret: the
/// body kept by `Decode` (it may be a token response) is left out.
pub(crate) fn error_to_js(error: &KfError) -> JsValue {
    let o = Object::new();
    set(&o, "__wxkf", true);
    set(&o, "code", error.code_name());
    set(&o, "message", error.to_string());
    let kind = match error {
        KfError::Api { errcode, errmsg, code, .. } => {
            set(&o, "errcode", *errcode as f64);
            set(&o, "errmsg", errmsg.as_str());
            set(&o, "retry", enum_name(&error.retry_class()));
            set(&o, "family", enum_name(&code.family()));
            "api"
        }
        KfError::Validation { field, reason } => {
            set(&o, "field", field.as_str());
            set(&o, "reason", reason.as_str());
            "validation"
        }
        KfError::Decode { reason, .. } => {
            set(&o, "reason", reason.as_str());
            "decode"
        }
        KfError::Http { status, .. } => {
            set(&o, "status", f64::from(*status));
            "http"
        }
        KfError::Transport { transport_kind, .. } => {
            set(&o, "transportKind", enum_name(transport_kind));
            "transport"
        }
        KfError::Callback { callback_kind, reason } => {
            set(&o, "callbackKind", enum_name(callback_kind));
            set(&o, "reason", reason.as_str());
            "callback"
        }
    };
    set(&o, "kind", kind);
    o.into()
}

/// The serde name of a unit enum value (`"refresh_token"`, `"connect"`, ...) as a JS string.
fn enum_name<T: Serialize>(value: &T) -> JsValue {
    to_js(value).unwrap_or(JsValue::UNDEFINED)
}

/// Serializes a result for JS: plain objects, numbers as numbers, `None` as `null`.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, KfError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(|e| KfError::decode(format!("could not convert the result: {e}"), b""))
}

/// Deserializes a JS argument; a mismatch is a validation error naming `field`.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, field: &str) -> Result<T, KfError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| KfError::validation(field, e.to_string()))
}

/// A string argument.
pub(crate) fn text(value: &JsValue, field: &str) -> Result<String, KfError> {
    value.as_string().ok_or_else(|| KfError::validation(field, "must be a string"))
}

/// An optional string option (`undefined`/`null` → `None`).
pub(crate) fn opt_text(value: &JsValue, field: &str) -> Result<Option<String>, KfError> {
    if absent(value) {
        Ok(None)
    } else {
        text(value, field).map(Some)
    }
}

/// An integer argument (a JS number without fraction, within ±2^53).
pub(crate) fn int(value: &JsValue, field: &str) -> Result<i64, KfError> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    match value.as_f64() {
        Some(n) if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE => Ok(n as i64),
        _ => Err(KfError::validation(field, "must be an integer number")),
    }
}

/// Unix seconds from a number of seconds or a `Date`.
pub(crate) fn unix_secs(value: &JsValue, field: &str) -> Result<i64, KfError> {
    if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        let ms = date.get_time();
        if !ms.is_finite() {
            return Err(KfError::validation(field, "is an invalid Date"));
        }
        return Ok((ms / 1000.0).floor() as i64);
    }
    int(value, field).map_err(|_| KfError::validation(field, "must be unix seconds (an integer) or a Date"))
}

/// Bytes from a `Uint8Array`, an `ArrayBuffer` or another typed array view.
pub(crate) fn bytes(value: &JsValue, field: &str) -> Result<Vec<u8>, KfError> {
    if let Some(a) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(a.to_vec());
    }
    if value.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(value).to_vec());
    }
    if js_sys::ArrayBuffer::is_view(value) {
        let buffer = get(value, "buffer");
        let offset = get(value, "byteOffset").as_f64().unwrap_or(0.0) as u32;
        let len = get(value, "byteLength").as_f64().unwrap_or(0.0) as u32;
        return Ok(js_sys::Uint8Array::new_with_byte_offset_and_length(&buffer, offset, len).to_vec());
    }
    Err(KfError::validation(field, "must be a Uint8Array or an ArrayBuffer"))
}

/// Unix seconds now, from the JS clock.
pub(crate) fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// Seconds given by the caller, or now.
pub(crate) fn now_or(value: &JsValue, field: &str) -> Result<i64, KfError> {
    if absent(value) {
        Ok(now_secs())
    } else {
        unix_secs(value, field)
    }
}
