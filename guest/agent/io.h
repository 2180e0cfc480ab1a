/* The I/O the agent's parts share: whole writes and reads, lines for people, vsock connections. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit statuses of a command that never ran (agent_protocol.h, as Docker and POSIX shells). */
enum { STATUS_SETUP_FAILED = 125, STATUS_NOT_EXECUTABLE = 126, STATUS_NOT_FOUND = 127 };

/*
 * Writes one line, the concatenation of the strings given, with one system call. Messages take
 * their errors from strerrordesc_np(3): plain English, no locale machinery (no allocation, which
 * the vfork child must avoid), and NULL for an unknown errno, which say() leaves out.
 */
#define say(fd, ...) say_parts(fd, (const char *[]){ __VA_ARGS__ }, sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *))
void say_parts(int fd, const char *const *parts, size_t count);

_Noreturn void die(const char *what, const char *detail);
bool read_exactly(int fd, void *buffer, size_t size);
ssize_t pump(int from, int to);
int vsock_connect(unsigned port);
int vsock_listen(unsigned port);
