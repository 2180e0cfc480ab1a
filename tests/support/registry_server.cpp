#include "tests/support/registry_server.h"

#include "containers/registry/base64.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace vmlet::test {

namespace {

using namespace std::chrono_literals;

constexpr const char* kRegistryBinary = "docker-registry";
constexpr const char* kService = "vmlet-test-registry";
constexpr const char* kIssuer = "vmlet-test-token-issuer";
constexpr auto kStartTimeout = 30s;
constexpr auto kPushTimeout = std::chrono::seconds(180);
constexpr auto kSocketTimeout = 5s;

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error("registry server: " + what);
}

std::string read_whole_file(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

void write_whole_file(const std::string& path, std::string_view bytes)
{
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), std::streamsize(bytes.size()));
    if (!file)
        fail("cannot write " + path);
}

bool on_path(const std::string& program)
{
    const char* path = std::getenv("PATH");
    std::string directories = path ? path : "/usr/bin:/bin";
    for (size_t start = 0; start <= directories.size();) {
        auto end = directories.find(':', start);
        std::string directory = directories.substr(start, end - start);
        if (!directory.empty() && ::access((directory + "/" + program).c_str(), X_OK) == 0)
            return true;
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return false;
}

// RFC 7515 section 2 "Base64url Encoding": URL-safe alphabet, no padding.
std::string base64url(std::string_view bytes)
{
    std::string encoded = image::base64(bytes);
    for (char& c : encoded) {
        if (c == '+')
            c = '-';
        else if (c == '/')
            c = '_';
    }
    while (!encoded.empty() && encoded.back() == '=')
        encoded.pop_back();
    return encoded;
}

std::string percent_decode(std::string_view text)
{
    std::string decoded;
    for (size_t index = 0; index < text.size(); ++index) {
        if (text[index] == '%' && index + 2 < text.size()) {
            decoded += char(std::stoi(std::string(text.substr(index + 1, 2)), nullptr, 16));
            index += 2;
        } else {
            decoded += text[index] == '+' ? ' ' : text[index];
        }
    }
    return decoded;
}

bool send_all(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        pollfd waiting { fd, POLLOUT, 0 };
        if (::poll(&waiting, 1, int(std::chrono::milliseconds(kSocketTimeout).count())) <= 0)
            return false;
        ssize_t count = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (count <= 0)
            return false;
        bytes.remove_prefix(size_t(count));
    }
    return true;
}

const char* reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 307: return "Temporary Redirect";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    default: return "Status";
    }
}

// The status of GET `url`, or 0 when nothing answered.
long http_status(const std::string& url)
{
    CURL* handle = curl_easy_init();
    if (!handle)
        return 0;
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT, 2L);
    curl_easy_setopt(handle, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, +[](char*, size_t, size_t count, void*) { return count; });
    long status = 0;
    if (curl_easy_perform(handle) == CURLE_OK)
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(handle);
    return status;
}

struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
    void operator()(X509* certificate) const { X509_free(certificate); }
};
struct MdContextFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}

uint16_t unused_port()
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0
        || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) < 0)
        fail("cannot find a free port");
    ::close(fd);
    return ntohs(address.sin_port);
}

bool registry_tools_available()
{
    return on_path(kRegistryBinary) && on_path("skopeo");
}

std::string HttpRequest::header(const std::string& name) const
{
    for (const auto& [key, value] : headers) {
        if (key == name)
            return value;
    }
    return {};
}

std::string HttpRequest::path() const
{
    return target.substr(0, target.find('?'));
}

std::vector<std::string> HttpRequest::query(const std::string& name) const
{
    std::vector<std::string> values;
    auto question = target.find('?');
    if (question == std::string::npos)
        return values;
    std::string_view rest = std::string_view(target).substr(question + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto equals = pair.find('=');
        if (percent_decode(pair.substr(0, equals)) == name)
            values.push_back(equals == std::string_view::npos ? "" : percent_decode(pair.substr(equals + 1)));
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
    return values;
}

TinyHttpServer::TinyHttpServer(Handler handler, std::string host)
    : m_handler(std::move(handler))
    , m_host(std::move(host))
{
    m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    socklen_t length = sizeof(address);
    if (m_listen_fd < 0 || ::inet_pton(AF_INET, m_host.c_str(), &address.sin_addr) != 1
        || ::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0
        || ::listen(m_listen_fd, 16) < 0 || ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&address), &length) < 0)
        fail("cannot listen on " + m_host);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
}

TinyHttpServer::~TinyHttpServer()
{
    m_stopping = true;
    m_thread.join();
    ::close(m_listen_fd);
}

std::vector<HttpRequest> TinyHttpServer::requests() const
{
    std::lock_guard lock(m_mutex);
    return m_requests;
}

void TinyHttpServer::serve()
{
    while (!m_stopping) {
        pollfd waiting { m_listen_fd, POLLIN, 0 };
        if (::poll(&waiting, 1, 100) <= 0)
            continue;
        int connection = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0)
            continue;
        answer(connection);
        ::close(connection);
    }
}

void TinyHttpServer::answer(int connection)
{
    std::string received;
    size_t header_end = std::string::npos;
    while ((header_end = received.find("\r\n\r\n")) == std::string::npos && received.size() < (64 << 10)) {
        pollfd waiting { connection, POLLIN, 0 };
        if (::poll(&waiting, 1, int(std::chrono::milliseconds(kSocketTimeout).count())) <= 0)
            return;
        char buffer[4096];
        ssize_t count = ::recv(connection, buffer, sizeof(buffer), 0);
        if (count <= 0)
            return;
        received.append(buffer, size_t(count));
    }
    if (header_end == std::string::npos)
        return;

    HttpRequest request;
    std::string_view head = std::string_view(received).substr(0, header_end);
    auto line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    auto first_space = request_line.find(' ');
    auto second_space = request_line.find(' ', first_space + 1);
    request.method = std::string(request_line.substr(0, first_space));
    request.target = std::string(request_line.substr(first_space + 1, second_space - first_space - 1));
    std::string_view rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    while (!rest.empty()) {
        auto end = rest.find("\r\n");
        auto line = rest.substr(0, end);
        if (auto colon = line.find(':'); colon != std::string_view::npos) {
            std::string name(line.substr(0, colon));
            for (char& c : name)
                c = char(std::tolower(static_cast<unsigned char>(c)));
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ')
                value.remove_prefix(1);
            request.headers.emplace_back(std::move(name), std::string(value));
        }
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    }

    HttpResponse response;
    try {
        response = m_handler(request);
    } catch (const std::exception& error) {
        response = HttpResponse { .status = 500, .headers = {}, .body = error.what() };
    }
    {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(request);
    }
    std::string head_out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) + "\r\n";
    head_out += "Content-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n";
    for (const auto& [name, value] : response.headers)
        head_out += name + ": " + value + "\r\n";
    head_out += "\r\n";
    if (send_all(connection, head_out) && request.method != "HEAD")
        send_all(connection, response.body);
}

// The token service of distribution's token auth (docs/spec/auth/token.md and jwt.md): checks
// Basic credentials, answers {"token": JWT} granting the scopes asked for. The JWT is signed RS256
// with a fresh RSA key; its header carries the key's self-signed certificate as "x5c", which
// distribution 2.8 (registry/auth/token/token.go, parseAndVerifyCertChain) verifies against the
// `rootcertbundle` we point it at.
class TokenService {
public:
    explicit TokenService(const std::string& directory)
        : m_certificate_path(directory + "/token-signer.pem")
    {
        m_key.reset(EVP_RSA_gen(2048));
        if (!m_key)
            fail("RSA key generation failed");
        m_certificate.reset(X509_new());
        X509* certificate = m_certificate.get();
        X509_set_version(certificate, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
        X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
        X509_gmtime_adj(X509_getm_notAfter(certificate), 7 * 24 * 3600);
        X509_set_pubkey(certificate, m_key.get());
        X509_NAME* name = X509_get_subject_name(certificate);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(kIssuer), -1, -1, 0);
        X509_set_issuer_name(certificate, name);
        if (X509_sign(certificate, m_key.get(), EVP_sha256()) == 0)
            fail("signing the token certificate failed");

        FILE* file = std::fopen(m_certificate_path.c_str(), "w");
        if (!file || PEM_write_X509(file, certificate) != 1)
            fail("cannot write " + m_certificate_path);
        std::fclose(file);
        int length = i2d_X509(certificate, nullptr);
        std::string der(size_t(length), '\0');
        auto* out = reinterpret_cast<unsigned char*>(der.data());
        i2d_X509(certificate, &out);
        m_certificate_der_base64 = image::base64(der);

        m_server = std::make_unique<TinyHttpServer>([this](const HttpRequest& request) { return answer(request); });
    }

    std::string realm() const { return "http://" + m_server->address() + "/token"; }
    const std::string& certificate_path() const { return m_certificate_path; }

private:
    HttpResponse answer(const HttpRequest& request)
    {
        std::string expected = std::string("Basic ") + image::base64(std::string(RegistryServer::kUser) + ":" + RegistryServer::kPassword);
        if (request.path() != "/token")
            return HttpResponse { .status = 404, .headers = {}, .body = "{}" };
        if (request.header("authorization") != expected) {
            return HttpResponse { .status = 401, .headers = { { "Content-Type", "application/json" } },
                .body = R"({"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]})" };
        }
        nlohmann::json access = nlohmann::json::array();
        // scope = resourcetype ":" resourcename ":" action *( "," action ); the name may hold ':'.
        for (const auto& scopes : request.query("scope")) {
            for (size_t start = 0; start < scopes.size();) {
                auto end = scopes.find(' ', start);
                std::string scope = scopes.substr(start, end - start);
                start = end == std::string::npos ? scopes.size() : end + 1;
                auto first = scope.find(':');
                auto last = scope.rfind(':');
                if (first == std::string::npos || first == last)
                    continue;
                nlohmann::json actions = nlohmann::json::array();
                std::string list = scope.substr(last + 1);
                for (size_t from = 0; from <= list.size();) {
                    auto comma = list.find(',', from);
                    actions.push_back(list.substr(from, comma - from));
                    if (comma == std::string::npos)
                        break;
                    from = comma + 1;
                }
                access.push_back({ { "type", scope.substr(0, first) }, { "name", scope.substr(first + 1, last - first - 1) }, { "actions", actions } });
            }
        }
        auto token = sign(access);
        nlohmann::json body = { { "token", token }, { "access_token", token }, { "expires_in", 300 } };
        return HttpResponse { .status = 200, .headers = { { "Content-Type", "application/json" } }, .body = body.dump() };
    }

    std::string sign(const nlohmann::json& access)
    {
        auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        unsigned char id[16];
        RAND_bytes(id, sizeof(id));
        nlohmann::json header = { { "typ", "JWT" }, { "alg", "RS256" }, { "x5c", { m_certificate_der_base64 } } };
        nlohmann::json claims = {
            { "iss", kIssuer },
            { "sub", RegistryServer::kUser },
            { "aud", kService },
            { "exp", now + 300 },
            { "nbf", now - 10 },
            { "iat", now },
            { "jti", base64url(std::string_view(reinterpret_cast<const char*>(id), sizeof(id))) },
            { "access", access },
        };
        std::string signing_input = base64url(header.dump()) + "." + base64url(claims.dump());
        std::unique_ptr<EVP_MD_CTX, MdContextFree> context(EVP_MD_CTX_new());
        size_t length = 0;
        auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
        if (EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, m_key.get()) != 1
            || EVP_DigestSign(context.get(), nullptr, &length, input, signing_input.size()) != 1)
            fail("signing a token failed");
        std::string signature(length, '\0');
        if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, input, signing_input.size()) != 1)
            fail("signing a token failed");
        signature.resize(length);
        return signing_input + "." + base64url(signature);
    }

    std::string m_certificate_path;
    std::unique_ptr<EVP_PKEY, PkeyFree> m_key;
    std::unique_ptr<X509, X509Free> m_certificate;
    std::string m_certificate_der_base64;
    std::unique_ptr<TinyHttpServer> m_server;
};

RegistryServer::RegistryServer(RegistryAuth auth)
    : m_auth(auth)
{
    m_port = unused_port();
    std::string config = "version: 0.1\n"
                         "log:\n"
                         "  level: info\n"
                         "  accesslog:\n"
                         "    disabled: true\n"
                         "storage:\n"
                         "  filesystem:\n"
                         "    rootdirectory: "
        + m_dir.path() + "/storage\n"
                         "  delete:\n"
                         "    enabled: true\n"
                         "http:\n"
                         "  addr: 127.0.0.1:"
        + std::to_string(m_port) + "\n"
                                   "  secret: vmlet-test-http-secret\n"
                                   "health:\n"
                                   "  storagedriver:\n"
                                   "    enabled: false\n";
    if (auth == RegistryAuth::Token) {
        m_token_service = std::make_unique<TokenService>(m_dir.path());
        config += "auth:\n"
                  "  token:\n"
                  "    realm: "
            + m_token_service->realm() + "\n    service: " + kService + "\n    issuer: " + kIssuer
            + "\n    rootcertbundle: " + m_token_service->certificate_path() + "\n";
    }
    write_whole_file(m_dir.path() + "/config.yml", config);
    m_process = std::make_unique<BackgroundProcess>(
        std::vector<std::string> { kRegistryBinary, "serve", m_dir.path() + "/config.yml" }, m_dir.path() + "/registry.log");
    wait_until_ready();
}

RegistryServer::~RegistryServer()
{
    m_process.reset(); // before the token service and the directory go
}

void RegistryServer::wait_until_ready()
{
    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    std::string url = "http://" + address() + "/v2/";
    while (std::chrono::steady_clock::now() < deadline) {
        if (!m_process->running())
            fail("docker-registry exited: " + log());
        long status = http_status(url);
        if (status == 200 || status == 401)
            return;
        std::this_thread::sleep_for(50ms);
    }
    fail("docker-registry did not answer on " + url + " within 30 s: " + log());
}

std::string RegistryServer::log() const
{
    return read_whole_file(m_dir.path() + "/registry.log");
}

void RegistryServer::push(const std::string& layout_dir, const std::string& tag, const std::string& repo, PushPlatforms platforms)
{
    std::vector<std::string> argv { "skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false", "--preserve-digests" };
    if (platforms == PushPlatforms::All)
        argv.push_back("--all");
    if (m_auth == RegistryAuth::Token)
        argv.push_back(std::string("--dest-creds=") + kUser + ":" + kPassword);
    argv.push_back("oci:" + layout_dir + ":" + tag);
    argv.push_back("docker://" + address() + "/" + repo + ":" + tag);
    auto result = run_command(argv, kPushTimeout);
    if (result.exit_code != 0) {
        fail("skopeo copy to " + address() + "/" + repo + ":" + tag + " failed (exit " + std::to_string(result.exit_code)
            + "): " + result.err + result.out + "\nregistry log:\n" + log());
    }
}

}
