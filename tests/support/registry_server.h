#pragma once

#include "tests/support/command.h"
#include "tests/support/temporary_directory.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// Real registries for the tests of the registry client and `vmlet pull`: Debian's docker-registry
// (distribution 2.8) on 127.0.0.1, anonymous or behind the Docker token protocol with a token
// service run by the test itself, filled with `skopeo copy`. Failures throw std::runtime_error:
// these are test fixtures.
namespace vmlet::test {

// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
uint16_t unused_port();

// True when docker-registry and skopeo are installed (tests skip otherwise).
bool registry_tools_available();

struct HttpRequest {
    std::string method;
    std::string target;                                       // "/v2/app/blobs/sha256:...?a=b"
    std::vector<std::pair<std::string, std::string>> headers; // names lowercased

    std::string header(const std::string& name) const; // "" when absent
    std::string path() const;                           // the target without its query
    // The values of one query parameter, %-decoded, in order.
    std::vector<std::string> query(const std::string& name) const;
};

struct HttpResponse {
    int status { 200 };
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// A tiny HTTP/1.1 server on 127.0.0.1:<free port> (or another IPv4 loopback address, to stand
// for another host), serving one connection at a time and closing each after one answer, from a
// thread of the test process: the token service, and fake registries that misbehave on purpose.
class TinyHttpServer {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    explicit TinyHttpServer(Handler handler, std::string host = "127.0.0.1");
    ~TinyHttpServer();
    TinyHttpServer(const TinyHttpServer&) = delete;
    TinyHttpServer& operator=(const TinyHttpServer&) = delete;

    uint16_t port() const { return m_port; }
    std::string address() const { return m_host + ":" + std::to_string(m_port); }
    // The requests answered so far.
    std::vector<HttpRequest> requests() const;

private:
    void serve();
    void answer(int connection);

    Handler m_handler;
    std::string m_host;
    int m_listen_fd { -1 };
    uint16_t m_port { 0 };
    std::atomic<bool> m_stopping { false };
    mutable std::mutex m_mutex;
    std::vector<HttpRequest> m_requests;
    std::thread m_thread;
};

enum class RegistryAuth {
    Anonymous,
    Token, // distribution's `auth: token`, with our token service as the realm
};

enum class PushPlatforms {
    One, // the image `oci:DIR:TAG` names (for an index: the one for this host)
    All, // `skopeo copy --all`: an index and every image in it
};

class TokenService;

class RegistryServer {
public:
    // The one account the token service knows.
    static constexpr const char* kUser = "vmlet";
    static constexpr const char* kPassword = "registry-secret";

    explicit RegistryServer(RegistryAuth auth = RegistryAuth::Anonymous);
    ~RegistryServer();
    RegistryServer(const RegistryServer&) = delete;
    RegistryServer& operator=(const RegistryServer&) = delete;

    uint16_t port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); } // as in a reference

    // `skopeo copy oci:LAYOUT_DIR:TAG docker://ADDRESS/REPO:TAG`, keeping the manifest digests.
    void push(const std::string& layout_dir, const std::string& tag, const std::string& repo,
        PushPlatforms platforms = PushPlatforms::One);

    // What the registry has logged, for a failing test's message.
    std::string log() const;

private:
    void wait_until_ready();

    TemporaryDirectory m_dir;
    RegistryAuth m_auth;
    uint16_t m_port { 0 };
    std::unique_ptr<TokenService> m_token_service;
    std::unique_ptr<BackgroundProcess> m_process;
};

}
