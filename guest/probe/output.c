/* The JSON lines vmlet-probe prints: one object per line, flushed at once, so that what was
 * printed before a probe ended the machine (sysrq, a memory hog in a VM) still reaches the reader. */
#include "probe.h"

#include <stdarg.h>
#include <stdio.h>

/* A JSON string. Bytes outside printable ASCII are written as \u00XX: kernel strings and file
 * contents need not be UTF-8, and the reader must always get valid JSON. */
static void put_string(const char *text)
{
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

void emit_fact(const char *name, const char *value)
{
	fputs("{\"fact\":", stdout);
	put_string(name);
	fputs(",\"value\":", stdout);
	put_string(value);
	fputs("}\n", stdout);
	fflush(stdout);
}

void emit_figure(const char *name, double value)
{
	fputs("{\"figure\":", stdout);
	put_string(name);
	printf(",\"value\":%.6g}\n", value);
	fflush(stdout);
}

static const char *outcome_name(enum outcome outcome)
{
	switch (outcome) {
	case ALLOWED:
		return "allowed";
	case DENIED:
		return "denied";
	case NOT_APPLICABLE:
		break;
	}
	return "not applicable";
}

void emit_probe(const char *name, enum outcome outcome, const char *detail_format, ...)
{
	char detail[512];
	va_list arguments;
	va_start(arguments, detail_format);
	vsnprintf(detail, sizeof detail, detail_format, arguments);
	va_end(arguments);
	fputs("{\"probe\":", stdout);
	put_string(name);
	fputs(",\"outcome\":", stdout);
	put_string(outcome_name(outcome));
	fputs(",\"detail\":", stdout);
	put_string(detail);
	fputs("}\n", stdout);
	fflush(stdout);
}
