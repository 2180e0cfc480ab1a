/* A command's terminal ('t' in agent_protocol.h): the pseudo-terminal and its relays (terminal.c). */
#pragma once

#include "session.h"
#include "spec.h"

#include <stdbool.h>

int open_terminal(const struct spec *spec, int *master);
_Noreturn void relay_input(int from, int terminal);
bool terminal_output_pending(void);
bool read_terminal(struct session *session);
void send_terminal_output(struct session *session);
void end_terminal(struct session *session);
