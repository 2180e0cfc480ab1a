/* `vmlet cp` and `vmlet top` (agent_protocol.h, "Tools"): one request about the container (tools.c). */
#pragma once

_Noreturn void serve_tools(int peer);
