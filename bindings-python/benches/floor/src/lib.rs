//! `wxkf_bench_floor.Raw`: what a Python client over native HTTP cannot go below at one call
//! at a time. Each call builds its request by hand, runs raw reqwest on the calling thread's
//! own current-thread runtime with the GIL released, and returns the body as text: no
//! arguments read, no validation, no token cache, no result parsed. Bench only.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

thread_local! {
    /// The calling thread's runtime and HTTP client (a pooled connection is driven only by
    /// the runtime that opened it).
    static LOCAL: (tokio::runtime::Runtime, reqwest::Client) = {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let http = { let _entered = rt.enter(); reqwest::Client::new() };
        (rt, http)
    };
}

/// Raw calls to one server with one access token.
#[pyclass(frozen)]
struct Raw {
    base: String,
    token: String,
}

impl Raw {
    /// Sends what `build` builds; the body, which must hold `expected` (a failure is an error).
    fn run(
        &self,
        py: Python<'_>,
        expected: &str,
        build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder + Send,
    ) -> PyResult<String> {
        let body = py
            .detach(|| LOCAL.with(|(rt, http)| rt.block_on(async { build(http).send().await?.text().await })))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        if !body.contains(expected) {
            return Err(PyRuntimeError::new_err(body));
        }
        Ok(body)
    }
}

#[pymethods]
impl Raw {
    #[new]
    fn new(base: String, token: String) -> Self {
        Raw { base, token }
    }

    /// GET getkflist; the body.
    fn get_kf_list(&self, py: Python<'_>) -> PyResult<String> {
        let url = format!("{}/cgi-bin/customservice/getkflist?access_token={}", self.base, self.token);
        self.run(py, "\"kf_list\"", |http| http.get(url))
    }

    /// POST custom/send of a text (`content` written as is: ASCII without quotes); the body.
    fn send_text(&self, py: Python<'_>, touser: &str, content: &str) -> PyResult<String> {
        let url = format!("{}/cgi-bin/message/custom/send?access_token={}", self.base, self.token);
        let body = format!(r#"{{"touser":"{touser}","msgtype":"text","text":{{"content":"{content}"}}}}"#);
        self.run(py, "\"errcode\":0", |http| http.post(url).header("content-type", "application/json").body(body))
    }
}

#[pymodule]
fn wxkf_bench_floor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Raw>()
}
