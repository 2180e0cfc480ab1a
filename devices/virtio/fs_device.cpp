#include "devices/virtio/fs_device.h"

#include "devices/fs/credentials.h"
#include "devices/fs/fuse_request.h"
#include "devices/fs/passthrough_fs.h"

#include <algorithm>

namespace vmlet::virtio {

namespace {

// §5.11.4 configuration layout.
constexpr uint64_t kConfigTag = 0;
constexpr uint64_t kConfigRequestQueues = 36;
constexpr uint64_t kConfigSize = 40;

bool valid_tag(std::string_view tag)
{
    return !tag.empty() && tag.size() <= FsDevice::kMaxTag
        && std::all_of(tag.begin(), tag.end(), [](char c) { return c > ' ' && c < 127 && c != ',' && c != ':'; });
}

}

Result<std::unique_ptr<FsDevice>> FsDevice::create(std::string tag, const std::vector<fs::ExportConfig>& exports)
{
    if (!valid_tag(tag))
        return make_error("'{}' cannot be a share's tag: 1 to {} printable characters, no ',' or ':'", tag, kMaxTag);
    auto opened = fs::open_exports(exports);
    if (!opened.ok())
        return opened.error().with_context(fmt::format("share {}", tag));
    auto passthrough = TRY(fs::PassthroughFs::create(opened.release_value()));
    fs::FuseServer server(std::move(passthrough), fs::may_switch_credentials());
    return std::unique_ptr<FsDevice>(new FsDevice(std::move(tag), std::move(server)));
}

void FsDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    if (offset >= kConfigSize)
        return;
    std::array<char, kMaxTag> tag {};
    std::copy(m_tag.begin(), m_tag.end(), tag.begin());
    copy_config_field(offset, data, kConfigTag, tag);
    copy_config_field(offset, data, kConfigRequestQueues, uint32_t(1));
}

void FsDevice::reset() { m_server.end_session(); }

Result<void> FsDevice::check_snapshot() const
{
    if (m_server.session_active())
        return make_error("share {} is mounted in the guest: a snapshot cannot keep its open files (unmount it first)", m_tag);
    return {};
}

void FsDevice::save_state(StateWriter& writer) const { writer.string(m_tag); }

Result<void> FsDevice::restore_state(StateReader& reader)
{
    auto tag = TRY(reader.string("share tag", kMaxTag));
    if (tag != m_tag)
        return reader.failure("share tag", fmt::format("is '{}', but the share given now is '{}'", tag, m_tag));
    return {};
}

Result<void> FsDevice::process_queue(uint16_t queue)
{
    auto& requests = context().queue(queue);
    for (;;) {
        auto chain = TRY(requests.next());
        if (!chain)
            break;
        TRY(requests.push_used(chain->head, serve(*chain)));
    }
    return notify_used(queue);
}

uint32_t FsDevice::serve(const DescriptorChain& chain)
{
    ChainReader reader(chain.readable);
    ChainWriter writer(chain.writable);
    m_reply.clear();
    m_data.clear();
    writer.take(writer.remaining(), m_reply);
    fuse_in_header header {};
    // Without a whole header there is no request ID to answer to: the chain goes back unanswered.
    if (!reader.read_object(header))
        return 0;
    // §5.11.6.1: the header's len counts the whole request, header included.
    if (header.len < sizeof(header) || header.len > chain.readable_bytes)
        return fs::FuseServer::error_reply(header.unique, EINVAL, m_reply);
    size_t length = header.len - sizeof(header);
    // WRITE's payload stays in guest memory and goes to the host file from there; everything
    // else is copied, and bounded before the copy.
    size_t copied = header.opcode == FUSE_WRITE ? std::min(length, sizeof(fuse_write_in)) : length;
    if (copied > fs::kMaxArgs || (header.opcode == FUSE_WRITE && length - copied > fs::FuseServer::kMaxWrite))
        return fs::FuseServer::error_reply(header.unique, EINVAL, m_reply);
    m_args.resize(copied);
    if (!reader.read(m_args) || !reader.take(length - copied, m_data))
        return fs::FuseServer::error_reply(header.unique, EINVAL, m_reply);
    return m_server.handle(header, m_args, m_data, m_reply);
}

}
