#include "containers/runtime/container_log.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <deque>
#include <map>
#include <regex>

namespace vmlet {

namespace {

constexpr std::string_view kStdout = "stdout", kStderr = "stderr";
constexpr char kFull = 'F', kPartial = 'P';
// "2026-12-07T02:38:49.123456789Z"
constexpr size_t kTimestampLength = 30;

std::string log_timestamp(std::time_t seconds, long nanoseconds)
{
    std::tm parts {};
    ::gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
    return fmt::format("{}.{:09}Z", text, nanoseconds);
}

std::string now_log_timestamp()
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return log_timestamp(now.tv_sec, now.tv_nsec);
}

// "2026-12-07T02:38:49.123456789Z stdout F " and the newline: what an entry adds to its content.
constexpr size_t kEntryOverhead = kTimestampLength + 10 + 1;
// Docker's json-file driver splits a line into 16 KiB messages; so do we, and smaller still when
// the log's files are: an entry always fits in one (rotating_file.h splits only between lines).
constexpr size_t kMaxEntryContent = 16 << 10;

// The entries for one chunk read from a stream: each complete line a full entry (its last piece,
// when it is longer than `max_content`), the rest pieces.
std::string entries_of(std::string_view chunk, std::string_view stream, size_t max_content)
{
    auto timestamp = now_log_timestamp();
    std::string entries;
    while (!chunk.empty()) {
        auto newline = chunk.find('\n');
        bool full = newline != std::string_view::npos && newline <= max_content;
        auto content = chunk.substr(0, full ? newline : std::min(chunk.size(), max_content));
        entries += fmt::format("{} {} {} {}\n", timestamp, stream, full ? kFull : kPartial, content);
        chunk.remove_prefix(full ? newline + 1 : content.size());
    }
    return entries;
}

void copy_stream(int from, int screen, RotatingFile& log, std::string_view stream, size_t max_content)
{
    std::array<char, 1 << 16> buffer;
    for (;;) {
        ssize_t count = ::read(from, buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            return;
        std::string_view chunk(buffer.data(), static_cast<size_t>(count));
        // One append: the two streams' entries never interleave inside a line.
        log.append(entries_of(chunk, stream, max_content));
        if (screen >= 0 && !write_all(screen, std::span(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size())).ok())
            return;
    }
}

struct Entry {
    std::string_view timestamp, stream;
    char tag;
    std::string_view content;
};

// One line of the log file without its newline; nullopt for anything this format does not make.
std::optional<Entry> parse_entry(std::string_view line)
{
    if (line.size() < kTimestampLength + 10 || line[kTimestampLength] != ' ')
        return std::nullopt;
    Entry entry;
    entry.timestamp = line.substr(0, kTimestampLength);
    auto rest = line.substr(kTimestampLength + 1);
    entry.stream = rest.substr(0, 6);
    if ((entry.stream != kStdout && entry.stream != kStderr) || rest[6] != ' ' || rest[8] != ' ')
        return std::nullopt;
    entry.tag = rest[7];
    if (entry.tag != kFull && entry.tag != kPartial)
        return std::nullopt;
    entry.content = rest.substr(9);
    return entry;
}

// A line as `logs` prints it: its stream, the time its first piece arrived, its text.
struct LogLine {
    bool is_stderr;
    std::string timestamp, text;
};

// Reads the log as it grows, across its rotations (rotating_file.h), and puts its entries back
// together into lines.
class LogLines {
public:
    explicit LogLines(std::string path)
        : m_path(std::move(path))
    {
    }

    // The lines completed by what was appended since the last call: on the first, the older
    // generations' too; after a rotation, the rest of the file read so far, now PATH.1.
    Result<std::vector<LogLine>> read_new()
    {
        auto fd = open_file(m_path, O_RDONLY);
        if (!fd.ok())
            return std::vector<LogLine>(); // nothing was written yet
        auto identity = TRY(identity_of(fd.value().get()));
        if (!m_identity) {
            auto generations = rotated_generations(m_path, kMaxLogGenerations);
            generations.pop_back(); // m_path itself, read below
            for (const auto& older : generations) {
                auto old_fd = open_file(older, O_RDONLY);
                if (old_fd.ok())
                    TRY(read_rest(old_fd.value().get(), 0));
            }
        } else if (*m_identity != identity) {
            auto previous = open_file(m_path + ".1", O_RDONLY);
            if (previous.ok() && TRY(identity_of(previous.value().get())) == *m_identity)
                TRY(read_rest(previous.value().get(), m_offset));
            m_offset = 0;
        }
        m_identity = identity;
        m_offset = TRY(read_rest(fd.value().get(), m_offset));
        std::vector<LogLine> lines;
        size_t start = 0;
        for (size_t newline; (newline = m_unparsed.find('\n', start)) != std::string::npos; start = newline + 1) {
            auto entry = parse_entry(std::string_view(m_unparsed).substr(start, newline - start));
            if (entry)
                add(*entry, lines);
        }
        m_unparsed.erase(0, start);
        return lines;
    }

    // Lines the container never finished (it exited mid-line): shown as they are, without a newline.
    std::vector<LogLine> unfinished()
    {
        std::vector<LogLine> lines;
        for (auto& [is_stderr, line] : m_pieces)
            lines.push_back(std::move(line));
        m_pieces.clear();
        return lines;
    }

private:
    void add(const Entry& entry, std::vector<LogLine>& lines)
    {
        bool is_stderr = entry.stream == kStderr;
        auto [piece, fresh] = m_pieces.try_emplace(is_stderr, LogLine { is_stderr, std::string(entry.timestamp), {} });
        piece->second.text += entry.content;
        if (entry.tag == kPartial)
            return;
        piece->second.text += '\n';
        lines.push_back(std::move(piece->second));
        m_pieces.erase(piece);
    }

    using Identity = std::pair<dev_t, ino_t>;

    static Result<Identity> identity_of(int fd)
    {
        struct stat status {};
        if (::fstat(fd, &status) < 0)
            return errno_error("cannot stat a container log");
        return Identity { status.st_dev, status.st_ino };
    }

    // Appends what `fd` holds from `offset` on to m_unparsed; the offset after it.
    Result<off_t> read_rest(int fd, off_t offset)
    {
        char buffer[1 << 16];
        for (;;) {
            ssize_t count = ::pread(fd, buffer, sizeof buffer, offset);
            if (count < 0 && errno == EINTR)
                continue;
            if (count < 0)
                return errno_error(fmt::format("cannot read {}", m_path));
            if (count == 0)
                return offset;
            offset += count;
            m_unparsed.append(buffer, static_cast<size_t>(count));
        }
    }

    std::string m_path;
    std::optional<Identity> m_identity; // of the file m_offset is in
    off_t m_offset { 0 };
    std::string m_unparsed;
    std::map<bool, LogLine> m_pieces; // by stream
};

Result<void> print(const std::vector<LogLine>& lines, const LogQuery& query, int out, int err)
{
    for (const auto& line : lines) {
        if (query.since && line.timestamp < *query.since)
            continue;
        int to = line.is_stderr ? err : out;
        if (to < 0)
            continue;
        auto text = query.timestamps ? line.timestamp + " " + line.text : line.text;
        TRY(write_all(to, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    }
    return {};
}

Result<std::pair<std::time_t, long>> parse_rfc3339_time(std::string_view text)
{
    static const std::regex pattern(R"((\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)");
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_match(text.begin(), text.end(), match, pattern))
        return make_error("--since: '{}' is not a time (RFC 3339, YYYY-MM-DD, Unix seconds or a duration such as 10m)", text);
    auto number = [&](size_t group) { return match[group].matched ? std::stoi(match[group].str()) : 0; };
    std::tm parts {};
    parts.tm_year = number(1) - 1900;
    parts.tm_mon = number(2) - 1;
    parts.tm_mday = number(3);
    parts.tm_hour = number(4);
    parts.tm_min = number(5);
    parts.tm_sec = number(6);
    std::time_t seconds = ::timegm(&parts);
    long nanoseconds = 0;
    if (match[7].matched) {
        auto digits = match[7].str();
        digits.resize(9, '0');
        nanoseconds = std::stol(digits);
    }
    if (match[8].matched && match[8].str() != "Z") {
        auto zone = match[8].str();
        int offset = (std::stoi(zone.substr(1, 2)) * 60 + std::stoi(zone.substr(4, 2))) * 60;
        seconds -= zone[0] == '+' ? offset : -offset;
    }
    return std::pair { seconds, nanoseconds };
}

// Go's time.ParseDuration for what docker's users write: decimal numbers with h, m, s or ms.
std::optional<double> parse_duration_seconds(std::string_view text)
{
    static const std::regex pattern(R"(((\d+(?:\.\d+)?)(h|ms|m|s))+)");
    if (!std::regex_match(text.begin(), text.end(), pattern))
        return std::nullopt;
    static const std::regex part(R"((\d+(?:\.\d+)?)(h|ms|m|s))");
    double total = 0;
    std::string owned(text);
    for (std::sregex_iterator it(owned.begin(), owned.end(), part), end; it != end; ++it) {
        double value = std::stod((*it)[1].str());
        auto unit = (*it)[2].str();
        total += value * (unit == "h" ? 3600 : unit == "m" ? 60 : unit == "s" ? 1 : 0.001);
    }
    return total;
}

}

Result<std::string> parse_log_since(std::string_view text, std::time_t now)
{
    if (auto duration = parse_duration_seconds(text)) {
        auto at = static_cast<double>(now) - *duration;
        auto seconds = static_cast<std::time_t>(at);
        return log_timestamp(seconds, static_cast<long>((at - static_cast<double>(seconds)) * 1e9));
    }
    static const std::regex unix_seconds(R"((\d+)(?:\.(\d{1,9}))?)");
    std::match_results<std::string_view::const_iterator> match;
    if (std::regex_match(text.begin(), text.end(), match, unix_seconds)) {
        auto digits = match[2].matched ? match[2].str() : std::string();
        digits.resize(9, '0');
        return log_timestamp(static_cast<std::time_t>(std::stoll(match[1].str())), std::stol(digits));
    }
    auto [seconds, nanoseconds] = TRY(parse_rfc3339_time(text));
    return log_timestamp(seconds, nanoseconds);
}

Result<std::unique_ptr<ContainerLogWriter>> ContainerLogWriter::open(const std::string& directory, RotationLimits limits, int screen_out, int screen_err)
{
    if (limits.max_bytes < kMinContainerLogBytes)
        return make_error("a container's log files need at least {} bytes each", kMinContainerLogBytes);
    size_t max_content = std::min<uint64_t>(kMaxEntryContent, limits.max_bytes - kEntryOverhead);
    // The container's output is its owner's, and their group's to read (as Docker's json-file logs).
    std::shared_ptr<RotatingFile> shared_log = TRY(RotatingFile::open(directory + "/" + std::string(kContainerLogFile), limits, 0640));
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd out_read(out[0]);
    std::unique_ptr<ContainerLogWriter> writer(new ContainerLogWriter);
    writer->m_out.reset(out[1]);
    if (::pipe2(err, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd err_read(err[0]);
    writer->m_err.reset(err[1]);
    // The copiers take no signals: those vmlet passes on (ForwardedSignals) must reach the thread
    // that reads them, and a thread starts with its creator's mask.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    writer->m_out_copier = std::thread([from = std::move(out_read), shared_log, screen_out, max_content] { copy_stream(from.get(), screen_out, *shared_log, kStdout, max_content); });
    writer->m_err_copier = std::thread([from = std::move(err_read), shared_log, screen_err, max_content] { copy_stream(from.get(), screen_err, *shared_log, kStderr, max_content); });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return writer;
}

void ContainerLogWriter::release_container_side()
{
    m_out.reset();
    m_err.reset();
}

ContainerLogWriter::~ContainerLogWriter()
{
    release_container_side();
    for (auto* copier : { &m_out_copier, &m_err_copier }) {
        if (copier->joinable())
            copier->join();
    }
}

Result<void> copy_container_log(const std::string& directory, const LogQuery& query, int out, int err,
    const std::function<bool()>& still_running)
{
    LogLines log(directory + "/" + std::string(kContainerLogFile));
    auto lines = TRY(log.read_new());
    bool running = query.follow && still_running();
    if (!running) {
        for (auto& line : log.unfinished())
            lines.push_back(std::move(line));
    }
    std::erase_if(lines, [&](const LogLine& line) { return query.since && line.timestamp < *query.since; });
    if (query.tail && lines.size() > *query.tail)
        lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(*query.tail));
    TRY(print(lines, query, out, err));
    while (running) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        // Asked before reading, so that what the container wrote before it ended is read after.
        running = still_running();
        auto more = TRY(log.read_new());
        if (!running) {
            for (auto& line : log.unfinished())
                more.push_back(std::move(line));
        }
        TRY(print(more, query, out, err));
    }
    return {};
}

}
