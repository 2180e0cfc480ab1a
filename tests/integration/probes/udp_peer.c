/*
 * udp_peer: UDP both ways for the network tests, which busybox's nc cannot do.
 *   udp_peer echo PORT              answers every datagram on PORT with "pong " and its bytes,
 *                                   until killed
 *   udp_peer ask HOST PORT MESSAGE  sends MESSAGE to HOST (a name from /etc/hosts, or an address)
 *                                   every 200 ms until an answer comes, prints it, and exits 0;
 *                                   exits 1 after 10 s without one
 * Built with gcc -static by the tests into an image of their own.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int echo(const char *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port)) };
	if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) < 0) {
		perror("udp_peer: bind");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		char buffer[1500] = "pong ";
		struct sockaddr_storage from;
		socklen_t from_length = sizeof from;
		ssize_t count = recvfrom(fd, buffer + 5, sizeof buffer - 5, 0, (struct sockaddr *)&from, &from_length);
		if (count >= 0)
			sendto(fd, buffer, (size_t)count + 5, 0, (struct sockaddr *)&from, from_length);
	}
}

static int ask(const char *host, const char *port, const char *message)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *found = NULL;
	int error = getaddrinfo(host, port, &hints, &found);
	if (error != 0) {
		fprintf(stderr, "udp_peer: %s: %s\n", host, gai_strerror(error));
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, found->ai_addr, found->ai_addrlen) < 0) {
		perror("udp_peer: connect");
		return 2;
	}
	for (int attempt = 0; attempt < 50; attempt++) {
		send(fd, message, strlen(message), 0);
		struct pollfd ready = { .fd = fd, .events = POLLIN };
		if (poll(&ready, 1, 200) == 1) {
			char answer[1500];
			ssize_t count = recv(fd, answer, sizeof answer - 1, 0);
			if (count >= 0) {
				answer[count] = '\0';
				printf("%s\n", answer);
				return 0;
			}
		}
	}
	fprintf(stderr, "udp_peer: no answer from %s:%s\n", host, port);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "echo") == 0)
		return echo(argv[2]);
	if (argc == 5 && strcmp(argv[1], "ask") == 0)
		return ask(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: udp_peer echo PORT | udp_peer ask HOST PORT MESSAGE\n");
	return 2;
}
