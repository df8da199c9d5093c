//! `rpsutil._rpsutil`: the Rust half of the `rpsutil` Python package, psutil 7.2.2's
//! API on the rpsutil library. The Python half (`python/rpsutil/`) holds only what
//! psutil itself does in Python: the exception and namedtuple classes, the enums,
//! `process_iter`'s cache, `wait_procs`' callbacks and `Popen`'s subprocess.

mod consts;
mod conv;
mod process;
mod system;
mod value;

use pyo3::prelude::*;

#[pymodule]
fn _rpsutil(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<process::PyProcess>()?;
    m.add_class::<process::Oneshot>()?;
    m.add_function(wrap_pyfunction!(process::check_attrs, m)?)?;
    m.add_function(wrap_pyfunction!(process::snapshot, m)?)?;
    m.add_function(wrap_pyfunction!(process::as_dict_names, m)?)?;
    consts::add_flags(m)?;
    m.add_function(wrap_pyfunction!(consts::_rlimits, m)?)?;
    m.add_function(wrap_pyfunction!(consts::_ioprio_classes, m)?)?;
    m.add_function(wrap_pyfunction!(consts::_ntuple_fields, m)?)?;
    m.add_function(wrap_pyfunction!(consts::_available, m)?)?;
    m.add_function(wrap_pyfunction!(consts::_all_capabilities, m)?)?;
    macro_rules! funcs {
        ($($f:ident),* $(,)?) => {$( m.add_function(wrap_pyfunction!(system::$f, m)?)?; )*};
    }
    funcs!(
        pids,
        pid_exists,
        cpu_count,
        cpu_times,
        cpu_percent,
        cpu_times_percent,
        cpu_stats,
        cpu_freq,
        getloadavg,
        virtual_memory,
        swap_memory,
        disk_usage,
        disk_partitions,
        disk_io_counters,
        disk_io_counters_cache_clear,
        net_io_counters,
        net_io_counters_cache_clear,
        net_connections,
        net_if_addrs,
        net_if_stats,
        sensors_temperatures,
        sensors_fans,
        sensors_battery,
        boot_time,
        users,
        heap_info,
        heap_trim,
        get_procfs_path,
        set_procfs_path,
        _check_timeout,
    );
    system::prime_samplers(m.py());
    Ok(())
}
