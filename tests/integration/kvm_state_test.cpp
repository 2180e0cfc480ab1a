// Saves a running guest's vCPU, platform and memory, and restores it into new VMs, on real KVM:
// the guest must go on counting from where it was saved, each time it is restored.
#include "boot/kernel_image.h"
#include "boot/layout.h"
#include "boot/long_mode.h"
#include "vmm/kvm/cpuid.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/kvm/snapshot_capabilities.h"
#include "vmm/vm/boot_registers.h"
#include "vmm/base/host.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

namespace vmlet {

namespace {

constexpr uint64_t kRamBytes = 8_MiB;
constexpr uint64_t kCodeAddress = 0x100000;
constexpr uint64_t kCounterAddress = 0x200000;
constexpr uint16_t kReportPort = 0x510;
constexpr uint32_t kReportEvery = 0x400;
constexpr uint64_t kRipAfterReport = kCodeAddress + 0x26;
constexpr uint32_t kMsrIa32Tsc = 0x10;
constexpr auto kPauseBeforeRestore = std::chrono::seconds(5);
constexpr uint64_t kTscBound = 2'000'000'000; // 500 ms at 4 GHz

// 64-bit code (GNU as, Intel syntax), run identity-mapped at kCodeAddress:
//       mov al, 0x34; out 0x43, al          PIT channel 0: lobyte/hibyte, mode 2 (rate generator)
//       mov al, 0x9c; out 0x40, al
//       mov al, 0x2e; out 0x40, al          count 0x2e9c, all in KVM's PIT, no exit
//       mov edi, 0x200000; mov dx, 0x510
//   1:  inc rbx; inc qword ptr [rdi]        the counter, in a register and in memory
//       test ebx, 0x3ff; jnz 1b
//       mov eax, ebx; out dx, eax           every 1024 rounds, report it (at offset 0x25)
//       jmp 1b
constexpr uint8_t kGuestCode[] = {
    0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x9c, 0xe6, 0x40, 0xb0, 0x2e, 0xe6, 0x40,
    0xbf, 0x00, 0x00, 0x20, 0x00, 0x66, 0xba, 0x10, 0x05,
    0x48, 0xff, 0xc3, 0x48, 0xff, 0x07, 0xf7, 0xc3, 0xff, 0x03, 0x00, 0x00, 0x75, 0xf2,
    0x89, 0xd8, 0xef, 0xeb, 0xed,
};

// A pattern for XMM0, which the guest never touches: it must survive every save and restore.
constexpr uint8_t kXmm0Pattern[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
constexpr size_t kXsaveXmm0Offset = 160;    // Intel SDM vol. 1, 10.5.1: the legacy FXSAVE region
constexpr size_t kXsaveXstateBvOffset = 512; // 13.4.2: the XSAVE header's XSTATE_BV
constexpr uint8_t kXstateSse = 1u << 1;      // XRSTOR loads XMM0-15 only with this bit set

template<typename T>
::testing::AssertionResult same_bytes(const T& saved, const T& read_back)
{
    if (std::memcmp(&saved, &read_back, sizeof(T)) == 0)
        return ::testing::AssertionSuccess();
    auto a = reinterpret_cast<const uint8_t*>(&saved);
    auto b = reinterpret_cast<const uint8_t*>(&read_back);
    std::string differences;
    for (size_t i = 0; i < sizeof(T); ++i) {
        if (a[i] != b[i])
            differences += fmt::format(" [{:#x}] {:#04x}->{:#04x}", i, a[i], b[i]);
    }
    return ::testing::AssertionFailure() << "differs at" << differences;
}

uint8_t* xmm0(VcpuState& state)
{
    if (auto* xsave = std::get_if<XsaveImage>(&state.fpu))
        return xsave->bytes.data() + kXsaveXmm0Offset;
    return std::get<kvm_fpu>(state.fpu).xmm[0];
}

void set_xmm0(VcpuState& state)
{
    std::memcpy(xmm0(state), kXmm0Pattern, sizeof(kXmm0Pattern));
    if (auto* xsave = std::get_if<XsaveImage>(&state.fpu))
        xsave->bytes[kXsaveXstateBvOffset] |= kXstateSse;
}

uint64_t msr_value(const VcpuState& state, uint32_t index)
{
    for (const auto& msr : state.msrs) {
        if (msr.index == index)
            return msr.data;
    }
    ADD_FAILURE() << fmt::format("MSR {:#x} was not saved", index);
    return 0;
}

// A VM as vmm/vm/builder.cpp makes one: memory, in-kernel PIC, I/O APIC and PIT, and one vCPU
// with vmlet's CPUID and local APIC set-up; no registers loaded.
struct TestVm {
    GuestMemory memory;
    KvmVm vm;
    KvmVcpu vcpu;

    static Result<TestVm> create(const KvmSystem& kvm)
    {
        auto memory = TRY(GuestMemory::create(layout::ram_regions(kRamBytes), MemoryBacking::Plain));
        auto vm = TRY(KvmVm::create(kvm));
        TRY(vm.register_memory(memory));
        TRY(vm.create_platform());
        auto vcpu = TRY(KvmVcpu::create(kvm, vm, 0));
        auto hypercalls = is_pvm_host() ? GuestHypercalls::Hidden : GuestHypercalls::Available;
        auto supported = TRY(kvm.supported_cpuid());
        TRY(vcpu.set_cpuid(vcpu_cpuid(supported, 0, 1, hypercalls)));
        TRY(configure_local_apic(vcpu));
        return TestVm { std::move(memory), std::move(vm), std::move(vcpu) };
    }

    // The guest code, page tables and GDT, and the 64-bit entry state.
    Result<void> load_guest()
    {
        TRY(memory.write(GuestAddress(kCodeAddress), kGuestCode));
        LoadedKernel code { EntryProtocol::Linux64, kCodeAddress, kCodeAddress + sizeof(kGuestCode), 0, 0, {} };
        auto entry = TRY(setup_boot_cpu(memory, code, 0));
        return load_boot_registers(vcpu, entry);
    }

    // Runs to the guest's next report and returns its counter, with the OUT completed, as a
    // save needs it.
    Result<uint32_t> run_to_report()
    {
        uint32_t value = 0;
        for (;;) {
            auto exit = TRY(vcpu.run());
            if (std::holds_alternative<exits::Interrupted>(exit))
                continue;
            auto* io = std::get_if<exits::PortIo>(&exit);
            if (!io || io->port != kReportPort || !io->is_write || io->size != 4)
                return make_error("unexpected vCPU exit (variant index {})", exit.index());
            std::memcpy(&value, io->data.data(), sizeof(value));
            break;
        }
        TRY(vcpu.complete_pending_exit());
        return value;
    }

    std::vector<std::vector<uint8_t>> copy_memory() const
    {
        std::vector<std::vector<uint8_t>> copy;
        for (const auto& region : memory.regions()) {
            const uint8_t* start = region.map.data();
            copy.emplace_back(start, start + region.size);
        }
        return copy;
    }

    void load_memory(const std::vector<std::vector<uint8_t>>& copy) const
    {
        ASSERT_EQ(copy.size(), memory.regions().size());
        for (size_t i = 0; i < copy.size(); ++i) {
            ASSERT_EQ(copy[i].size(), memory.regions()[i].size);
            std::memcpy(memory.regions()[i].map.data(), copy[i].data(), copy[i].size());
        }
    }
};

class KvmState : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::access(KvmSystem::kDefaultDevice, R_OK | W_OK) != 0)
            GTEST_SKIP() << "/dev/kvm is not available on this host";
        auto kvm = KvmSystem::open(KvmSystem::kDefaultDevice);
        ASSERT_TRUE(kvm.ok()) << kvm.error().message();
        m_kvm.emplace(kvm.release_value());
    }

    const KvmSystem& kvm() const { return *m_kvm; }

private:
    std::optional<KvmSystem> m_kvm;
};

}

TEST_F(KvmState, ThisKvmCanSaveAndRestore)
{
    auto support = check_snapshot_support(kvm());
    EXPECT_TRUE(support.ok()) << support.error().message();
    fmt::print("XSAVE {}, KVM_CAP_XSAVE2 {} bytes, XCRS {}, ADJUST_CLOCK flags {:#x}\n", kvm().check_extension(KVM_CAP_XSAVE),
        kvm().check_extension(KVM_CAP_XSAVE2), kvm().check_extension(KVM_CAP_XCRS), kvm().check_extension(KVM_CAP_ADJUST_CLOCK));
}

TEST_F(KvmState, SavedMsrsAreTheListedOnesAVcpuCanReadAndWrite)
{
    auto listed = kvm().msr_index_list();
    ASSERT_TRUE(listed.ok()) << listed.error().message();
    auto started = std::chrono::steady_clock::now();
    auto saved = kvm().saved_msr_indices();
    std::chrono::duration<double, std::milli> probe_time = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(saved.ok()) << saved.error().message();
    std::string left_out;
    for (uint32_t index : listed.value()) {
        if (std::find(saved.value().begin(), saved.value().end(), index) == saved.value().end())
            left_out += fmt::format(" {:#x}", index);
    }
    fmt::print("KVM_GET_MSR_INDEX_LIST: {} MSRs; {} read and written back ({:.1f} ms); left out:{}\n", listed.value().size(),
        saved.value().size(), probe_time.count(), left_out.empty() ? " none" : left_out);
    EXPECT_NE(std::find(saved.value().begin(), saved.value().end(), kMsrIa32Tsc), saved.value().end());
    EXPECT_LE(saved.value().size(), listed.value().size());
}

TEST_F(KvmState, ARestoredGuestGoesOnFromWhereItWasSaved)
{
    std::vector<uint32_t> msrs;
    std::vector<uint8_t> snapshot;
    std::vector<std::vector<uint8_t>> memory;
    uint32_t last_report = 0;
    VcpuState saved_vcpu {};
    VmPlatformState saved_platform {};
    {
        auto source = TestVm::create(kvm());
        ASSERT_TRUE(source.ok()) << source.error().message();
        auto& vm = source.value();
        ASSERT_TRUE(vm.load_guest().ok());
        // With a VM alive, as when vmlet saves one: the probe makes a VM of its own beside it.
        auto saved_msrs = kvm().saved_msr_indices();
        ASSERT_TRUE(saved_msrs.ok()) << saved_msrs.error().message();
        msrs = saved_msrs.value();
        // A restore into the vCPU that is about to run: XMM0 gets a pattern the guest keeps.
        auto initial = vm.vcpu.save_state(msrs);
        ASSERT_TRUE(initial.ok()) << initial.error().message();
        set_xmm0(initial.value());
        auto loaded = vm.vcpu.restore_state(initial.value());
        ASSERT_TRUE(loaded.ok()) << loaded.error().message();

        for (uint32_t expected = kReportEvery; expected <= 3 * kReportEvery; expected += kReportEvery) {
            auto report = vm.run_to_report();
            ASSERT_TRUE(report.ok()) << report.error().message();
            ASSERT_EQ(report.value(), expected);
            last_report = report.value();
        }
        auto regs = vm.vcpu.get_regs();
        ASSERT_TRUE(regs.ok());
        EXPECT_EQ(regs.value().rip, kRipAfterReport) << "the OUT was not completed before the save";

        auto vcpu_state = vm.vcpu.save_state(msrs);
        ASSERT_TRUE(vcpu_state.ok()) << vcpu_state.error().message();
        auto platform = vm.vm.save_platform();
        ASSERT_TRUE(platform.ok()) << platform.error().message();
        saved_vcpu = vcpu_state.value();
        saved_platform = platform.value();
        EXPECT_EQ(saved_platform.pit.channels[0].mode, 2);
        EXPECT_EQ(saved_platform.pit.channels[0].count, 0x2e9cu);

        StateWriter writer;
        writer.section("vcpu 0", [&](StateWriter& out) { write_vcpu_state(out, saved_vcpu); });
        writer.section("platform", [&](StateWriter& out) { write_platform_state(out, saved_platform); });
        snapshot = writer.data();
        memory = vm.copy_memory();
    } // the source VM is gone before any restore, as when another process restores
    std::this_thread::sleep_for(kPauseBeforeRestore);

    for (int restore = 1; restore <= 2; ++restore) {
        SCOPED_TRACE(fmt::format("restore {}", restore));
        auto target = TestVm::create(kvm());
        ASSERT_TRUE(target.ok()) << target.error().message();
        auto& vm = target.value();
        vm.load_memory(memory);

        StateReader reader(snapshot);
        auto vcpu_section = reader.section("vcpu 0");
        ASSERT_TRUE(vcpu_section.ok()) << vcpu_section.error().message();
        auto vcpu_state = read_vcpu_state(vcpu_section.value());
        ASSERT_TRUE(vcpu_state.ok()) << vcpu_state.error().message();
        auto platform_section = reader.section("platform");
        ASSERT_TRUE(platform_section.ok()) << platform_section.error().message();
        auto platform = read_platform_state(platform_section.value());
        ASSERT_TRUE(platform.ok()) << platform.error().message();

        auto restored_platform = vm.vm.restore_platform(platform.value());
        ASSERT_TRUE(restored_platform.ok()) << restored_platform.error().message();
        auto restored_at = std::chrono::steady_clock::now();
        auto restored_vcpu = vm.vcpu.restore_state(vcpu_state.value());
        ASSERT_TRUE(restored_vcpu.ok()) << restored_vcpu.error().message();

        // What KVM now holds is what was saved.
        auto now = vm.vcpu.save_state(msrs);
        auto read_back_after = std::chrono::steady_clock::now() - restored_at;
        ASSERT_TRUE(now.ok()) << now.error().message();
        auto& state = now.value();
        EXPECT_TRUE(same_bytes(saved_vcpu.regs, state.regs)) << "registers";
        EXPECT_TRUE(same_bytes(saved_vcpu.sregs, state.sregs)) << "special registers";
        EXPECT_TRUE(same_bytes(saved_vcpu.mp_state, state.mp_state)) << "MP state";
        EXPECT_TRUE(same_bytes(saved_vcpu.lapic, state.lapic)) << "local APIC";
        EXPECT_TRUE(same_bytes(saved_vcpu.debugregs, state.debugregs)) << "debug registers";
        EXPECT_TRUE(same_bytes(saved_vcpu.events, state.events)) << "vCPU events";
        EXPECT_EQ(std::memcmp(xmm0(state), kXmm0Pattern, sizeof(kXmm0Pattern)), 0) << "XMM0";
        // Clocks go on: the TSC (below), and Hyper-V's partition reference counter and the vCPU's
        // run time, which KVM lists on hosts that offer Hyper-V enlightenments
        // (HV_X64_MSR_TIME_REF_COUNT and HV_X64_MSR_VP_RUNTIME, 100 ns units; the second counts
        // the CPU time of the thread that restored it, 4 ms of it once in the nested harness).
        constexpr uint32_t kMsrHypervVpRuntime = 0x40000010;
        constexpr uint32_t kMsrHypervTimeRefCount = 0x40000020;
        for (size_t i = 0; i < state.msrs.size(); ++i) {
            auto index = state.msrs[i].index;
            if (index != kMsrIa32Tsc && index != kMsrHypervTimeRefCount && index != kMsrHypervVpRuntime) {
                EXPECT_EQ(saved_vcpu.msrs[i].data, state.msrs[i].data) << fmt::format("MSR {:#x}", state.msrs[i].index);
            }
        }
        // The TSC goes on from its saved value, not from zero as a new vCPU's does, nor from the
        // host's: the pause before the first restore would show as at least 4 G cycles at any
        // TSC of 0.8 GHz or more. The pause is long so that the bound can be too: under the nested
        // harness's TCG the guest's TSC is the real host's, which went on 200 ms (0.5 G cycles)
        // between restore and readback once while the harness's own clock saw less. Not on PVM, where a running guest's TSC is the host's and a
        // write of MSR_IA32_TSC succeeds without effect (measured on the development host).
        uint64_t saved_tsc = msr_value(saved_vcpu, kMsrIa32Tsc);
        uint64_t tsc = msr_value(state, kMsrIa32Tsc);
        EXPECT_GE(tsc, saved_tsc);
        // The bound holds only when the state was read back well within it: a host so loaded (the
        // nested harness's TCG beside a build) that the readback took longer than the pause's
        // worth of cycles cannot tell "went on from the saved TSC" from "counted the pause".
        if (!is_pvm_host() && read_back_after < kPauseBeforeRestore / 5) {
            EXPECT_LT(tsc - saved_tsc, kTscBound) << "the restored TSC did not go on from the saved one";
        } else if (!is_pvm_host()) {
            fmt::print("restore {}: read back after {} ms, too late for the TSC bound\n", restore,
                std::chrono::duration_cast<std::chrono::milliseconds>(read_back_after).count());
        }
        fmt::print("restore {}: TSC saved {}, now {} (+{}); XSAVE {} bytes\n", restore, saved_tsc, tsc, tsc - saved_tsc,
            std::holds_alternative<XsaveImage>(state.fpu) ? std::get<XsaveImage>(state.fpu).bytes.size() : 0);

        auto platform_now = vm.vm.save_platform();
        ASSERT_TRUE(platform_now.ok()) << platform_now.error().message();
        // KVM_SET_PIT2 reloads each channel's count, so only its load time (a host clock) moves.
        for (int channel = 0; channel < 3; ++channel) {
            auto expected = saved_platform.pit.channels[channel];
            auto actual = platform_now.value().pit.channels[channel];
            expected.count_load_time = actual.count_load_time = 0;
            EXPECT_TRUE(same_bytes(expected, actual)) << "PIT channel " << channel;
        }
        EXPECT_EQ(saved_platform.pit.flags, platform_now.value().pit.flags);
        EXPECT_TRUE(same_bytes(saved_platform.ioapic, platform_now.value().ioapic)) << "I/O APIC";
        // The KVM clock goes on from its saved value, within the time this restore took.
        int64_t clock_step = int64_t(platform_now.value().clock.clock - saved_platform.clock.clock);
        EXPECT_GE(clock_step, 0);
        EXPECT_LT(clock_step, 1'000'000'000);
        fmt::print("restore {}: KVM clock saved {} ns, now +{} ns\n", restore, saved_platform.clock.clock, clock_step);

        // The guest goes on counting, in its register and in memory.
        auto report = vm.run_to_report();
        ASSERT_TRUE(report.ok()) << report.error().message();
        EXPECT_EQ(report.value(), last_report + kReportEvery);
        auto counter = vm.memory.read_object<uint64_t>(GuestAddress(kCounterAddress));
        ASSERT_TRUE(counter.ok());
        EXPECT_EQ(counter.value(), last_report + kReportEvery);
    }
}

}
