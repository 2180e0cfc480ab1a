#include "containers/lab/compare.h"

#include "containers/lab/lab_process.h"
#include "containers/lab/process_memory.h"
#include "containers/lab/tcp_throughput.h"
#include "containers/runtime/container_store.h"
#include "vmm/base/subprocess.h"
#include "vmm/base/file.h"
#include "vmm/base/host.h"

#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

namespace vmlet::lab {

namespace {

using namespace std::chrono_literals;

constexpr auto kRunTimeout = std::chrono::seconds(600);
constexpr unsigned kDensity = 10;

bool wanted(const CompareOptions& options, const std::string& group)
{
    return options.only.contains(group);
}

std::string host_kernel_release()
{
    struct utsname names {};
    ::uname(&names);
    return names.release;
}

// How a container of the lab runs: in the foreground and removed when it exits, or detached (and
// removed by the lab once measured).
enum class Attached { Foreground, Detached };

// The `vmlet run` a subject's workload starts with, up to the image.
std::vector<std::string> run_prefix(const CompareOptions& options, Subject subject, std::vector<std::string> flags = {},
    Attached attached = Attached::Foreground)
{
    std::vector<std::string> argv { options.vmlet, "--root", options.root, "run", attached == Attached::Detached ? "-d" : "--rm" };
    argv.insert(argv.end(), { "--isolation", subject == Subject::Process ? "process" : "vm" });
    if (subject == Subject::VmCold)
        argv.push_back("--no-template");
    argv.insert(argv.end(), flags.begin(), flags.end());
    return argv;
}

// A workload's command in `subject`: the probe on the host itself, or a container of the image.
std::vector<std::string> workload(const CompareOptions& options, Subject subject, std::vector<std::string> command,
    std::vector<std::string> flags = {})
{
    if (subject == Subject::Host) {
        if (command.front() == "vmlet-probe")
            command.front() = options.probe_path;
        return command;
    }
    auto argv = run_prefix(options, subject, std::move(flags));
    argv.push_back(options.image);
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
}

Result<Ran> run_checked(const std::vector<std::string>& argv)
{
    auto ran = TRY(run_measured(argv, kRunTimeout));
    if (ran.status != 0) {
        auto error = ran.err.substr(0, ran.err.find('\n'));
        return make_error("{} exited {}{}{}", argv.size() > 3 ? argv[3] : argv.front(), ran.status, error.empty() ? "" : ": ", error);
    }
    return ran;
}

// The unit a probe's figure is in, from the end of its name (guest/probe/speed.c: getppid_ns,
// fork_exec_us, cpu_loop_s, write_64mib_mbs).
std::string unit_of(const std::string& figure)
{
    auto suffix = figure.substr(figure.rfind('_') + 1);
    return suffix == "mbs" ? "MB/s" : suffix == "us" ? "µs" : suffix;
}

// vmlet-probe's lines (guest/probe): {"fact"|"figure"|"probe": NAME, ...}, one a line. Anything
// else a hostile image might print in between is skipped.
void take_probe_output(const std::string& out, SubjectResults& results)
{
    size_t start = 0;
    while (start < out.size()) {
        auto end = out.find('\n', start);
        auto line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? out.size() : end + 1;
        auto parsed = nlohmann::json::parse(line, nullptr, false);
        if (!parsed.is_object())
            continue;
        if (parsed.contains("fact") && parsed["fact"].is_string() && parsed.contains("value")) {
            auto& value = parsed["value"];
            results.facts[parsed["fact"]] = value.is_string() ? value.get<std::string>() : value.dump();
        } else if (parsed.contains("figure") && parsed["figure"].is_string() && parsed.contains("value") && parsed["value"].is_number()) {
            auto name = parsed["figure"].get<std::string>();
            auto& figure = results.figures[name];
            figure.unit = unit_of(name);
            figure.values.push_back(parsed["value"].get<double>());
        } else if (parsed.contains("probe") && parsed["probe"].is_string() && parsed.contains("outcome") && parsed["outcome"].is_string()) {
            auto outcome = parsed["outcome"].get<std::string>();
            ProbeResult probe;
            probe.outcome = outcome == "allowed" ? Outcome::Allowed : outcome == "denied" ? Outcome::Denied : Outcome::NotApplicable;
            if (parsed.contains("detail") && parsed["detail"].is_string())
                probe.detail = parsed["detail"].get<std::string>();
            results.probes[parsed["probe"].get<std::string>()] = probe;
        }
    }
}

void add_sample(SubjectResults& results, const std::string& name, const std::string& unit, double value)
{
    auto& figure = results.figures[name];
    figure.unit = unit;
    figure.values.push_back(value);
}

// Start to exit of `true`, and start to the first output of `echo`: vmlet's own start, the
// isolation's, and the command's, as a user sees it.
Result<void> measure_start(const CompareOptions& options, SubjectResults& results)
{
    auto ran = TRY(run_checked(workload(options, results.subject, { "true" })));
    add_sample(results, "start_true_s", "s", ran.seconds);
    auto said = TRY(run_checked(workload(options, results.subject, { "echo", "ready" })));
    if (said.first_output_seconds)
        add_sample(results, "first_output_s", "s", *said.first_output_seconds);
    return {};
}

// Host memory of running containers: PSS of each one's whole process tree on the host (its
// monitor, and its processes or its VM's), one alone and `kDensity` at once, each started
// detached and measured once it runs.
Result<double> memory_of_running(const CompareOptions& options, Subject subject, unsigned count)
{
    std::vector<std::string> ids;
    auto remove_all = [&] {
        for (const auto& id : ids)
            (void)run_measured({ options.vmlet, "--root", options.root, "rm", "-f", id }, kRunTimeout);
    };
    auto argv = run_prefix(options, subject, {}, Attached::Detached);
    argv.insert(argv.end(), { options.image, "sleep", "600" });
    double total = 0;
    for (unsigned started = 0; started < count; started++) {
        auto ran = run_measured(argv, kRunTimeout);
        if (!ran.ok() || ran.value().status != 0) {
            remove_all();
            return make_error("a detached container did not start: {}", ran.ok() ? ran.value().err : ran.error().message());
        }
        ids.push_back(ran.value().out.substr(0, 64));
    }
    std::this_thread::sleep_for(1s); // a booted guest settles; what it touched stays
    for (const auto& id : ids) {
        auto pid = monitor_pid_of(options.root, id);
        if (!pid.ok()) {
            remove_all();
            return pid.release_error();
        }
        total += double(pss_of_tree(pid.value())) / double(1 << 20);
    }
    remove_all();
    return total;
}

Result<void> measure_memory(const CompareOptions& options, SubjectResults& results)
{
    if (results.subject == Subject::Host)
        return {};
    auto mib = TRY(memory_of_running(options, results.subject, 1));
    add_sample(results, "memory_one_mib", "MiB", mib);
    return {};
}

// Ten booted VMs at once are minutes of interpreted kernel code on a PVM host: density is what
// templates are for, and is measured warm.
Result<void> measure_density(const CompareOptions& options, SubjectResults& results)
{
    if (results.subject == Subject::Host || results.subject == Subject::VmCold)
        return {};
    auto mib = TRY(memory_of_running(options, results.subject, kDensity));
    add_sample(results, "memory_ten_mib", "MiB", mib);
    return {};
}

Result<void> measure_speed(const CompareOptions& options, SubjectResults& results)
{
    auto ran = TRY(run_checked(workload(options, results.subject, { "vmlet-probe", "speed", "--dir", "/tmp" })));
    take_probe_output(ran.out, results);
    return {};
}

// TCP throughput from the host into the workload: through a published port (-p) into a
// container, straight over loopback on the host. The sink is vmlet-probe's tcp-sink, which takes
// one connection and exits once it is closed.
Result<void> measure_tcp(const CompareOptions& options, SubjectResults& results)
{
    constexpr uint16_t kSinkPort = 5000;
    auto port = TRY(free_loopback_port());
    if (results.subject == Subject::Host) {
        auto sink = TRY(spawn_process({ options.probe_path, "tcp-sink", "--port", std::to_string(port), "--bytes", std::to_string(kTcpBytes) }, {}));
        auto rate = send_to_tcp_sink(port, std::chrono::seconds(10));
        if (!rate.ok())
            ::kill(sink, SIGKILL);
        (void)wait_process(sink);
        add_sample(results, "tcp_mbits", "Mbit/s", TRY(std::move(rate)));
        return {};
    }
    auto argv = run_prefix(options, results.subject, { "-p", fmt::format("127.0.0.1:{}:{}", port, kSinkPort) }, Attached::Detached);
    argv.insert(argv.end(), { options.image, "vmlet-probe", "tcp-sink", "--port", std::to_string(kSinkPort), "--bytes", std::to_string(kTcpBytes) });
    auto started = TRY(run_checked(argv));
    auto id = started.out.substr(0, started.out.find('\n'));
    // A booted VM on a PVM host takes half a minute before anything listens in it.
    auto rate = send_to_tcp_sink(port, std::chrono::seconds(300));
    (void)run_measured({ options.vmlet, "--root", options.root, "rm", "-f", id }, kRunTimeout);
    add_sample(results, "tcp_mbits", "Mbit/s", TRY(std::move(rate)));
    return {};
}

Result<void> measure_facts(const CompareOptions& options, SubjectResults& results)
{
    auto ran = TRY(run_checked(workload(options, results.subject, { "vmlet-probe", "facts" })));
    take_probe_output(ran.out, results);
    return {};
}

// The probes whose object is the kernel the workload runs on: its processes, log, memory, disks,
// modules, clock, mounts, namespaces, keys, BPF, counters, limits, interfaces and sysctls. The
// fork bomb and the memory hog are about limits, not a kernel's objects, and are not among them.
const std::set<std::string> kKernelObjectProbes { "host_processes", "kernel_log", "proc_kcore", "host_disk",
    "load_module", "set_clock", "mount", "user_namespace", "keyctl", "bpf", "perf_event_open", "raise_rlimit",
    "host_interfaces", "write_proc_sys" };

// In a VM the kernel a probe reaches is the VM's own: reading "the" kernel's log, making a node of
// "the" first disk (vda, the image's disk) or setting "the" clock there touches the VM and not the
// host, which is what the boundary table asks about. Such a probe is denied at the host, and its
// detail keeps what the VM's kernel let it do.
void seen_from_the_host(std::map<std::string, ProbeResult>& probes)
{
    for (auto& [name, probe] : probes) {
        if (probe.outcome != Outcome::Allowed || !kKernelObjectProbes.contains(name))
            continue;
        probe = { Outcome::Denied, fmt::format("the VM's own kernel, not the host's: {}", probe.detail) };
    }
}

// The boundary probes, in a container with a pids and memory limit so that the fork bomb and the
// memory hog stay inside them (the probe runs neither without being told the limits exist).
Result<void> measure_boundary(const CompareOptions& options, SubjectResults& results)
{
    std::vector<std::string> command { "vmlet-probe", "boundary", "--dir", "/tmp" };
    std::vector<std::string> limits;
    if (results.subject != Subject::Host) {
        command.insert(command.end(), { "--pids-limit-known", "--memory-limit-known" });
        limits = { "--pids-limit", "200", "--memory", "256m" };
    }
    auto ran = TRY(run_checked(workload(options, results.subject, command, limits)));
    take_probe_output(ran.out, results);
    if (results.subject == Subject::VmCold || results.subject == Subject::VmWarm)
        seen_from_the_host(results.probes);
    return {};
}

// Crashing the kernel the workload sees: only where that kernel is the VM's. In process isolation
// it is refused here and never attempted, as on the host.
Result<void> measure_sysrq(const CompareOptions& options, SubjectResults& results)
{
    auto& probe = results.probes["sysrq_crash"];
    if (results.subject == Subject::Host || results.subject == Subject::Process) {
        probe = { Outcome::NotApplicable, "refused and never attempted: this kernel is the host's" };
        return {};
    }
    auto ran = TRY(run_measured(
        workload(options, results.subject, { "vmlet-probe", "sysrq", "--i-am-in-a-vm", "--host-kernel", host_kernel_release() }), kRunTimeout));
    // The probe says "allowed" just before it writes; if the VM then ends without the command's
    // exit status, its kernel crashed. Anything else is the probe's own account (refused, no
    // sysrq in this kernel).
    SubjectResults said;
    take_probe_output(ran.out, said);
    auto told = said.probes.find("sysrq_crash");
    if (told == said.probes.end())
        probe = { Outcome::NotApplicable, fmt::format("the probe said nothing (status {}): {}", ran.status, ran.err.substr(0, ran.err.find('\n'))) };
    else if (told->second.outcome == Outcome::Allowed && ran.status != 0)
        probe = { Outcome::Allowed, fmt::format("the VM's kernel crashed and the VM ended (vmlet run exited {}); the host went on", ran.status) };
    else if (told->second.outcome == Outcome::Allowed)
        probe = { Outcome::Denied, "the write was taken and the VM went on: its kernel did not crash" };
    else
        probe = told->second;
    return {};
}

// What the image costs before its first run: for a warm VM, making its template.
Result<void> measure_image(const CompareOptions& options, SubjectResults& results)
{
    if (results.subject != Subject::VmWarm)
        return {};
    // build prints the template's key (and makes it when missing); it is removed to be made anew.
    auto existing = TRY(run_checked({ options.vmlet, "--root", options.root, "template", "build", options.image }));
    auto key = existing.out.substr(0, existing.out.find('\n'));
    TRY(run_checked({ options.vmlet, "--root", options.root, "template", "rm", key }));
    auto built = TRY(run_checked({ options.vmlet, "--root", options.root, "template", "build", options.image }));
    add_sample(results, "image_first_run_s", "s", built.seconds);
    return {};
}

// How long a run takes where the guest kernel is interpreted (PVM), in seconds: its cold boots
// (17 s each), and for each VM subject and run the figures that make the guest kernel work: 64 MiB
// written and read in the container (2.8 and 5.5 MB/s) and sent through -p (7.6 Mbit/s). The
// constants are the PVM host's of README "Lab" (2026-12-07), where the default run took 24 min.
unsigned interpreted_run_seconds(const CompareOptions& options)
{
    auto count = [&](const char* group, unsigned seconds) { return wanted(options, group) ? seconds : 0; };
    unsigned cold_boots = count("image", 1) + count("facts", 1) + count("boundary", 1) + count("sysrq", 1)
        + options.runs * (count("start", 2) + count("speed", 1) + count("memory", 1) + count("tcp", 1));
    constexpr unsigned kVmSubjects = 2;
    unsigned vm_work = kVmSubjects * (count("boundary", 40) + options.runs * (count("speed", 60) + count("tcp", 90) + count("density", 10)));
    return cold_boots * 17 + vm_work;
}

MachineInfo machine_info(const CompareOptions& options)
{
    MachineInfo machine;
    auto cpuinfo = read_small_file("/proc/cpuinfo", 1 << 20);
    if (cpuinfo.ok()) {
        auto& text = cpuinfo.value();
        auto at = text.find("model name");
        if (at != std::string::npos) {
            auto colon = text.find(':', at);
            machine.cpu_model = text.substr(colon + 2, text.find('\n', colon) - colon - 2);
        }
    }
    machine.kernel_release = host_kernel_release();
    machine.kvm_kind = kvm_kind();
    machine.cpus = static_cast<unsigned>(::sysconf(_SC_NPROCESSORS_ONLN));
    machine.memory_mib = host_memory_bytes() >> 20;
    machine.vmlet_version = VMLET_VERSION;
    machine.image = options.image;
    machine.runs = options.runs;
    machine.started = now_rfc3339();
    return machine;
}

}

std::string kvm_kind()
{
    if (::access("/dev/kvm", R_OK | W_OK) != 0)
        return "none";
    if (is_pvm_host())
        return "PVM";
    auto cpuinfo = read_small_file("/proc/cpuinfo", 1 << 20);
    if (cpuinfo.ok() && cpuinfo.value().find(" hypervisor") != std::string::npos)
        return "nested";
    return "bare metal";
}

Result<LabResults> compare(const CompareOptions& options)
{
    auto started = std::chrono::steady_clock::now();
    LabResults lab;
    lab.machine = machine_info(options);
    for (auto subject : { Subject::Host, Subject::Process, Subject::VmCold, Subject::VmWarm }) {
        SubjectResults results;
        results.subject = subject;
        if (!options.vm && (subject == Subject::VmCold || subject == Subject::VmWarm)) {
            results.measured = false;
            results.skipped_because = "no usable /dev/kvm on this host";
        }
        lab.subjects.push_back(std::move(results));
    }
    auto say = [&](const std::string& line) {
        if (options.progress)
            options.progress(line);
    };
    // On PVM every guest kernel instruction is interpreted: boots, system calls, I/O and the
    // network stack in the guest run at a few MB/s.
    if (options.vm && lab.machine.kvm_kind == "PVM") {
        auto seconds = interpreted_run_seconds(options);
        say(fmt::format("the guest kernel is interpreted on this host (PVM): this run takes about {} minutes", (seconds + 59) / 60));
    }
    auto each = [&](const std::string& group, auto&& measure) -> Result<void> {
        if (!wanted(options, group))
            return {};
        for (auto& results : lab.subjects) {
            if (!results.measured)
                continue;
            say(fmt::format("{}: {}", group, subject_name(results.subject)));
            TRY_CONTEXT(measure(results), fmt::format("{} of {}", group, subject_name(results.subject)));
        }
        return {};
    };
    // Once: what does not change between runs, and what makes the templates the warm VM uses.
    TRY(each("image", [&](SubjectResults& results) { return measure_image(options, results); }));
    TRY(each("facts", [&](SubjectResults& results) { return measure_facts(options, results); }));
    TRY(each("boundary", [&](SubjectResults& results) { return measure_boundary(options, results); }));
    TRY(each("sysrq", [&](SubjectResults& results) { return measure_sysrq(options, results); }));
    // The figures, `runs` times each, the subjects interleaved so that a slow spell of the machine
    // falls on all of them alike.
    for (unsigned run = 1; run <= options.runs; run++) {
        say(fmt::format("run {} of {}", run, options.runs));
        TRY(each("start", [&](SubjectResults& results) { return measure_start(options, results); }));
        TRY(each("speed", [&](SubjectResults& results) { return measure_speed(options, results); }));
        TRY(each("memory", [&](SubjectResults& results) { return measure_memory(options, results); }));
        TRY(each("density", [&](SubjectResults& results) { return measure_density(options, results); }));
        TRY(each("tcp", [&](SubjectResults& results) { return measure_tcp(options, results); }));
    }
    lab.machine.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return lab;
}

}
