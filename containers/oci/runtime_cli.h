#pragma once

namespace vmlet::oci {

// vmlet-runtime's command line: runc's (global --root, --log, --log-format, --systemd-cgroup;
// create, start, state, kill, delete, exec, ps, pause, resume, list, features). An error is one
// line on standard error and, with --log, a JSON line there as runc writes it
// ({"level":"error","msg":...,"time":...}), which podman and containerd read back; exit status 1.
int run_runtime_cli(int argc, char** argv);

}
