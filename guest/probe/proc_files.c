/* Reading the small text files of /proc and /sys that the facts and probes look at. */
#include "probe.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int read_text(const char *path, char *buffer, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t length = read(fd, buffer, size - 1);
	int error = errno;
	close(fd);
	if (length < 0) {
		errno = error;
		return -1;
	}
	while (length > 0 && buffer[length - 1] == '\n')
		length--;
	buffer[length] = '\0';
	return (int)length;
}

int status_field(const char *path, const char *key, char *value, size_t size)
{
	FILE *file = fopen(path, "re");
	if (!file)
		return -1;
	char line[512];
	size_t key_length = strlen(key);
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, file)) {
		if (strncmp(line, key, key_length) != 0 || line[key_length] != ':')
			continue;
		const char *start = line + key_length + 1;
		start += strspn(start, " \t");
		snprintf(value, size, "%.*s", (int)strcspn(start, "\n"), start);
		found = 0;
	}
	fclose(file);
	return found;
}

long count_processes(void)
{
	DIR *proc = opendir("/proc");
	long count = 0;
	for (struct dirent *entry; proc && (entry = readdir(proc));)
		count += isdigit((unsigned char)entry->d_name[0]) != 0;
	if (proc)
		closedir(proc);
	return count;
}
