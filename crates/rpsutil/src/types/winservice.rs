//! psutil's `WindowsService`: one Win32 service of the Service Control Manager,
//! with every field read at once (psutil queries each on demand).

use serde::Serialize;

use super::process::Pid;

/// A service's current state (psutil's `status()` strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServiceStatus {
    /// `SERVICE_RUNNING`.
    Running,
    /// `SERVICE_PAUSED`.
    Paused,
    /// `SERVICE_START_PENDING`.
    StartPending,
    /// `SERVICE_PAUSE_PENDING`.
    PausePending,
    /// `SERVICE_CONTINUE_PENDING`.
    ContinuePending,
    /// `SERVICE_STOP_PENDING`.
    StopPending,
    /// `SERVICE_STOPPED`.
    Stopped,
    /// Any other state code.
    Unknown,
}

impl ServiceStatus {
    /// psutil's mapping of `dwCurrentState` (1 stopped ... 7 paused).
    pub fn from_raw(state: u32) -> Self {
        match state {
            1 => Self::Stopped,
            2 => Self::StartPending,
            3 => Self::StopPending,
            4 => Self::Running,
            5 => Self::ContinuePending,
            6 => Self::PausePending,
            7 => Self::Paused,
            _ => Self::Unknown,
        }
    }

    /// psutil's string (`"running"`, `"stop_pending"`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::StartPending => "start_pending",
            Self::PausePending => "pause_pending",
            Self::ContinuePending => "continue_pending",
            Self::StopPending => "stop_pending",
            Self::Stopped => "stopped",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ServiceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a service starts (psutil's `start_type()` strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServiceStartType {
    /// `SERVICE_AUTO_START` (delayed auto-start included, as psutil).
    Automatic,
    /// `SERVICE_DEMAND_START`.
    Manual,
    /// `SERVICE_DISABLED`.
    Disabled,
    /// Any other code (boot and system starts are drivers').
    Unknown,
}

impl ServiceStartType {
    /// psutil's mapping of `dwStartType` (2 automatic, 3 manual, 4 disabled).
    pub fn from_raw(start: u32) -> Self {
        match start {
            2 => Self::Automatic,
            3 => Self::Manual,
            4 => Self::Disabled,
            _ => Self::Unknown,
        }
    }

    /// psutil's string (`"automatic"`, `"manual"`, `"disabled"`, `"unknown"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Automatic => "automatic",
            Self::Manual => "manual",
            Self::Disabled => "disabled",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ServiceStartType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// psutil's `WindowsService`: a Win32 service, every field read when the value
/// was made. Serialises to psutil's `as_dict()` (same keys, same order:
/// `display_name, binpath, username, start_type, status, pid, name,
/// description`; `pid` is `null` when the service has no process).
///
/// Equality compares every field (psutil compares names only: compare
/// [`WindowsService::name`] for that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WindowsService {
    /// The name shown to users (`lpDisplayName`).
    pub display_name: String,
    /// The command line that starts it, arguments included (`lpBinaryPathName`).
    pub binpath: String,
    /// The account it runs as (`lpServiceStartName`, e.g. `LocalSystem`).
    pub username: String,
    /// How it starts.
    pub start_type: ServiceStartType,
    /// Its state now.
    pub status: ServiceStatus,
    /// The pid of its process, None when it has none (stopped).
    pub pid: Option<Pid>,
    /// The service (key) name, as the SCM lists it or as it was asked for.
    pub name: String,
    /// Its description, empty when it has none.
    pub description: String,
}

impl WindowsService {
    /// psutil's `as_dict()` as `(key, value)` pairs in psutil's key order, values
    /// as text (`start_type` and `status` as psutil's strings, `pid` as a number,
    /// None for a service without a process). Serialising the value with serde
    /// gives the same keys as JSON, with `pid` a number or `null`.
    ///
    /// ```
    /// # fn main() -> rpsutil::Result<()> {
    /// # #[cfg(windows)] {
    /// if let Some(Ok(s)) = rpsutil::win_service_iter()?.into_iter().next() {
    ///     let d = s.as_dict();
    ///     assert_eq!(d[6], ("name", Some(s.name.clone())));
    /// }
    /// # }
    /// # Ok(())
    /// # }
    /// ```
    pub fn as_dict(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("display_name", Some(self.display_name.clone())),
            ("binpath", Some(self.binpath.clone())),
            ("username", Some(self.username.clone())),
            ("start_type", Some(self.start_type.as_str().to_string())),
            ("status", Some(self.status.as_str().to_string())),
            ("pid", self.pid.map(|p| p.to_string())),
            ("name", Some(self.name.clone())),
            ("description", Some(self.description.clone())),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_strings_are_psutils() {
        assert_eq!(ServiceStatus::from_raw(4).as_str(), "running");
        assert_eq!(ServiceStatus::from_raw(3).to_string(), "stop_pending");
        assert_eq!(ServiceStatus::from_raw(99), ServiceStatus::Unknown);
        assert_eq!(ServiceStartType::from_raw(2).as_str(), "automatic");
        assert_eq!(ServiceStartType::from_raw(0), ServiceStartType::Unknown);
        let s = WindowsService {
            display_name: "D".into(),
            binpath: "b.exe -k".into(),
            username: "LocalSystem".into(),
            start_type: ServiceStartType::Manual,
            status: ServiceStatus::Stopped,
            pid: None,
            name: "n".into(),
            description: String::new(),
        };
        let keys: Vec<&str> = s.as_dict().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "display_name",
                "binpath",
                "username",
                "start_type",
                "status",
                "pid",
                "name",
                "description"
            ]
        );
        assert_eq!(s.as_dict()[5], ("pid", None));
        // serde gives psutil's as_dict() JSON: same keys, same order, pid null.
        assert_eq!(
            serde_json::to_string(&s).expect("json"),
            r#"{"display_name":"D","binpath":"b.exe -k","username":"LocalSystem","start_type":"manual","status":"stopped","pid":null,"name":"n","description":""}"#
        );
    }
}
