//! CLI failures and their exit codes.

use wxkf::KfError;

/// Exit code for bad input (usage, validation).
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for an error answered by WeChat.
pub const EXIT_API: i32 = 3;
/// Exit code for network, HTTP and decoding failures.
pub const EXIT_TRANSPORT: i32 = 4;
/// Exit code for local I/O failures.
pub const EXIT_IO: i32 = 5;

/// Anything a command can fail with.
#[derive(Debug)]
pub enum CliError {
    /// Wrong flags or files.
    Usage(String),
    /// A wxkf error.
    Kf(KfError),
    /// A local file problem.
    Io(String),
}

impl From<KfError> for CliError {
    fn from(e: KfError) -> Self {
        CliError::Kf(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e.to_string())
    }
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) | CliError::Kf(KfError::Validation { .. }) => EXIT_BAD_INPUT,
            CliError::Kf(KfError::Api { .. } | KfError::Guard { .. }) => EXIT_API,
            CliError::Kf(_) => EXIT_TRANSPORT,
            CliError::Io(_) => EXIT_IO,
        }
    }

    /// What to print: the error, and for API errors errcode, errmsg and a hint.
    pub fn report(&self) -> String {
        match self {
            CliError::Usage(m) => format!("error: {m}"),
            CliError::Io(m) => format!("error: {m}"),
            CliError::Kf(e @ KfError::Api { code, errcode, errmsg, .. }) => {
                format!("error: {e}\n  errcode: {errcode}\n  errmsg:  {errmsg}\n  hint:    {}", code.meaning())
            }
            CliError::Kf(KfError::Validation { field, reason }) => format!("error: invalid {field}: {reason}"),
            CliError::Kf(e) => format!("error: {e}"),
        }
    }

    /// The JSON form printed with `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CliError::Kf(KfError::Api { code, errcode, errmsg, .. }) => serde_json::json!({
                "error": "api", "code": code.name(), "errcode": errcode, "errmsg": errmsg, "hint": code.meaning()
            }),
            CliError::Kf(KfError::Validation { field, reason }) => {
                serde_json::json!({"error": "validation", "field": field, "reason": reason})
            }
            CliError::Kf(e) => serde_json::json!({"error": e.code_name().to_lowercase(), "message": e.to_string()}),
            CliError::Usage(m) => serde_json::json!({"error": "usage", "message": m}),
            CliError::Io(m) => serde_json::json!({"error": "io", "message": m}),
        }
    }
}
