/* `vmlet exec` (agent_protocol.h, "Exec"): one more command in the container (exec.c). */
#pragma once

_Noreturn void serve_exec(int control);
