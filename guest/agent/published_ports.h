/* Published ports (agent_protocol.h): `lo`, and a relay for each connection (published_ports.c). */
#pragma once

#include <stdbool.h>

bool loopback_up(void);
_Noreturn void relay_port(int host);
