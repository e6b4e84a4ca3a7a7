//! What the generators read from core: the JSON Schema of every type a binding shows, the
//! operation table, the error catalogue and the version. Nothing here is hand-written per
//! type: a type appears by deriving `JsonSchema` behind core's `schema` feature.

use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{Map, Value};
use wxkf::api::account::get_kf_list::{InviteStatus, KfInfo};
use wxkf::api::account::get_kf_online_list::KfOnlineInfo;
use wxkf::api::message::send_typing::TypingCommand;
use wxkf::api::record::get_msg_list::{MsgListPage, MsgRecord};
use wxkf::api::session::get_kf_session::KfSession;
use wxkf::api::session::get_kf_session_list::SessionItem;
use wxkf::api::session::get_wait_case_list::{WaitCase, WaitCaseList};
use wxkf::api::token::AccessTokenResponse;
use wxkf::budget::{Budget, BudgetRefusal, BudgetRule, UserAction};
use wxkf::callback::{
    AcceptedPush, CallbackConfig, OpenedPush, PushKind, PushMessage, PushQuery, RawField, Reply, UrlQuery,
};
use wxkf::error::{ErrorFamily, ErrorInfo, CATALOGUE};
use wxkf::message::{Article, MenuItem, MessageContent};
use wxkf::ops::{Operation, OPERATIONS};
use wxkf::records::RecordCursor;
use wxkf::{
    BudgetMode, CallbackKind, ClientOptions, Credentials, KfError, Message, RetryClass, TokenKind, TransportKind,
};

/// Everything a generator needs.
pub struct Model {
    /// `name -> JSON Schema` of every type the bindings show (references are `#/$defs/Name`).
    pub types: Map<String, Value>,
    /// The same types as serialized (what results look like): a field with a default is
    /// always there, an `Option` is `null` unless it is skipped when `None`.
    #[allow(dead_code)] // for the emitters
    pub serialized: Map<String, Value>,
    /// The operation table.
    pub operations: &'static [Operation],
    /// The error catalogue.
    pub catalogue: &'static [ErrorInfo],
    /// The version every package carries.
    pub version: &'static str,
}

macro_rules! schemas {
    ($generator:ident, $($ty:ty),* $(,)?) => {{
        $( let _ = $generator.subschema_for::<$ty>(); )*
    }};
}

/// Registers every type the bindings show, in declaration order.
fn register(generator: &mut SchemaGenerator) {
    schemas!(
        generator,
        // Messages.
        Message,
        MessageContent,
        Article,
        MenuItem,
        TypingCommand,
        // Results and the record cursor.
        KfInfo,
        InviteStatus,
        KfOnlineInfo,
        KfSession,
        SessionItem,
        WaitCase,
        WaitCaseList,
        MsgRecord,
        MsgListPage,
        AccessTokenResponse,
        RecordCursor,
        // Client settings.
        ClientOptions,
        Credentials,
        TokenKind,
        // Errors.
        KfError,
        ErrorFamily,
        RetryClass,
        TransportKind,
        CallbackKind,
        // Pushes.
        CallbackConfig,
        UrlQuery,
        PushQuery,
        OpenedPush,
        PushMessage,
        PushKind,
        RawField,
        Reply,
        AcceptedPush,
        // The reply budget.
        Budget,
        BudgetRefusal,
        BudgetRule,
        UserAction,
        BudgetMode,
    );
}

impl Model {
    /// Reads core.
    pub fn load() -> Model {
        let mut generator = SchemaGenerator::default();
        register(&mut generator);
        let mut serializing = SchemaGenerator::new(SchemaSettings::default().for_serialize());
        register(&mut serializing);
        Model {
            types: generator.definitions().clone(),
            serialized: serializing.definitions().clone(),
            operations: OPERATIONS,
            catalogue: CATALOGUE,
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// The schema of a type by name.
    #[allow(dead_code)] // for the emitters
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.types.get(name)
    }

    /// The model as one JSON document (`cargo xtask schema`), for reading and for tests.
    pub fn to_json(&self) -> Value {
        let operations: Vec<Value> = self
            .operations
            .iter()
            .map(|op| {
                serde_json::json!({
                    "name": op.name,
                    "doc": op.doc.trim(),
                    "method": op.method.as_str(),
                    "path": op.path,
                    "class": format!("{:?}", op.class).to_lowercase(),
                    "needs_token": op.needs_token,
                    "args": op.args.iter().map(|a| serde_json::json!({
                        "name": a.name, "type": a.ty.replace(' ', ""), "default": a.default, "keyword": a.keyword,
                    })).collect::<Vec<_>>(),
                    "output": op.output.replace(' ', ""),
                })
            })
            .collect();
        serde_json::json!({
            "version": self.version,
            "types": self.types,
            "operations": operations,
            "catalogue": self.catalogue,
        })
    }
}

/// Checks the model is complete: a type the bindings need but nobody registered fails here
/// rather than as a dangling reference in a generated file.
pub fn dangling_refs(model: &Model) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>, types: &Map<String, Value>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let name = r.trim_start_matches("#/$defs/");
                    if !types.contains_key(name) {
                        out.push(name.to_string());
                    }
                }
                map.values().for_each(|v| walk(v, out, types));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out, types)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    model.types.values().for_each(|v| walk(v, &mut out, &model.types));
    out
}
