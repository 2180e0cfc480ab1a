#include "vmm/snapshot/save.h"

#include "vmm/base/file.h"
#include "vmm/base/state_stream.h"
#include "vmm/kvm/vcpu_state.h"
#include "vmm/kvm/vm_state.h"
#include "vmm/snapshot/machine_shape.h"
#include "vmm/snapshot/memory_file.h"
#include "vmm/snapshot/snapshot_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace vmlet {

namespace {

// The snapshot directory, made for this snapshot or found empty; removed again (if it was made
// here) or emptied of what this snapshot wrote, unless kept.
class SnapshotDirectory {
public:
    static Result<SnapshotDirectory> claim(const std::string& path)
    {
        if (::mkdir(path.c_str(), 0700) == 0)
            return SnapshotDirectory(path, true);
        if (errno != EEXIST)
            return errno_error(fmt::format("cannot create {}", path));
        std::error_code error;
        if (!std::filesystem::is_directory(path, error) || !std::filesystem::is_empty(path, error))
            return make_error("{} exists and is not an empty directory", path);
        return SnapshotDirectory(path, false);
    }
    SnapshotDirectory(SnapshotDirectory&& other) noexcept
        : m_path(std::move(other.m_path))
        , m_created(other.m_created)
        , m_kept(std::exchange(other.m_kept, true))
    {
    }
    ~SnapshotDirectory()
    {
        if (m_kept)
            return;
        for (const char* name : { kSnapshotStateFile, kSnapshotMemoryFile })
            ::unlink(file(name).c_str());
        for (const char* name : { kSnapshotStateFile, kSnapshotMemoryFile })
            ::unlink((file(name) + ".tmp").c_str());
        if (m_created)
            ::rmdir(m_path.c_str());
    }
    std::string file(const char* name) const { return m_path + "/" + name; }
    void keep() { m_kept = true; }

private:
    SnapshotDirectory(std::string path, bool created)
        : m_path(std::move(path))
        , m_created(created)
    {
    }
    std::string m_path;
    bool m_created;
    bool m_kept { false };
};

Result<void> write_state_file(const std::string& path, const std::vector<uint8_t>& bytes)
{
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid())
        return errno_error(fmt::format("cannot create {}", path));
    return write_all(fd.get(), bytes);
}

// The payload of the state file: the machine's shape, then each part's state in a section.
Result<std::vector<uint8_t>> machine_state(Machine& machine, const std::vector<uint32_t>& msrs)
{
    auto platform = TRY(machine.vm().save_platform());
    std::vector<VcpuState> vcpus;
    for (auto& vcpu : machine.vcpus())
        vcpus.push_back(TRY(vcpu.save_state(msrs)));
    StateWriter writer;
    writer.section("machine", [&](StateWriter& out) { write_machine_shape(out, shape_of(machine)); });
    writer.section("platform", [&](StateWriter& out) { write_platform_state(out, platform); });
    for (size_t index = 0; index < vcpus.size(); ++index)
        writer.section(fmt::format("vcpu {}", index), [&](StateWriter& out) { write_vcpu_state(out, vcpus[index]); });
    writer.section("serial", [&](StateWriter& out) { machine.legacy().serial.save_state(out); });
    writer.section("virtio", [&](StateWriter& out) { machine.virtio().save_state(out); });
    return writer.data();
}

}

Result<void> save_snapshot(Machine& machine, const std::vector<uint32_t>& msrs, const std::string& directory)
{
    if (!machine.paused())
        return make_error("the VM must be paused to be saved");
    TRY(machine.virtio().check_snapshot());
    auto target = TRY(SnapshotDirectory::claim(directory));
    auto payload = TRY(machine_state(machine, msrs));
    auto memory_temporary = target.file(kSnapshotMemoryFile) + ".tmp";
    auto state_temporary = target.file(kSnapshotStateFile) + ".tmp";
    TRY(write_memory_file(machine.memory(), memory_temporary));
    TRY(write_state_file(state_temporary, frame_snapshot_state(payload)));
    // The state last: a directory with a state file holds a whole snapshot.
    if (::rename(memory_temporary.c_str(), target.file(kSnapshotMemoryFile).c_str()) < 0
        || ::rename(state_temporary.c_str(), target.file(kSnapshotStateFile).c_str()) < 0)
        return errno_error(fmt::format("cannot finish the snapshot in {}", directory));
    target.keep();
    return {};
}

}
