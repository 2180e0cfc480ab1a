/* `vmlet cp` (agent_protocol.h, "Copy"): one request about the container's files (copy.c). */
#pragma once

_Noreturn void serve_copy(int peer);
