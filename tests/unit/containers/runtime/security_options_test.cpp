#include "containers/runtime/container_store.h"
#include "containers/runtime/security_options.h"
#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>

namespace vmlet {

namespace {

// What apply_security_opt made of `values`, or its error; profiles are "read" from a map of paths.
Result<SecurityOptions> applied(std::initializer_list<std::string_view> values)
{
    SecurityOptions options;
    auto reader = [](const std::string& path) -> Result<std::string> {
        if (path == "/profiles/strict.json")
            return std::string(R"({"defaultAction": "SCMP_ACT_ERRNO"})");
        return make_error("cannot open {}: No such file or directory", path);
    };
    for (auto value : values)
        TRY(apply_security_opt(options, value, reader));
    return options;
}

std::string error_of(std::initializer_list<std::string_view> values)
{
    auto result = applied(values);
    return result.ok() ? "accepted" : result.error().message();
}

}

TEST(SecurityOpt, SeccompAndNoNewPrivileges)
{
    auto none = applied({});
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none.value().seccomp, SeccompMode::Default);
    EXPECT_EQ(none.value().no_new_privileges, std::nullopt);

    auto unconfined = applied({ "seccomp=unconfined", "no-new-privileges=false" });
    ASSERT_TRUE(unconfined.ok());
    EXPECT_EQ(unconfined.value().seccomp, SeccompMode::Unconfined);
    EXPECT_EQ(unconfined.value().no_new_privileges, false);

    // A file, in the older colon form too; the last word wins.
    auto profile = applied({ "seccomp:/profiles/strict.json", "no-new-privileges" });
    ASSERT_TRUE(profile.ok());
    EXPECT_EQ(profile.value().seccomp, SeccompMode::Profile);
    EXPECT_EQ(profile.value().seccomp_profile, R"({"defaultAction": "SCMP_ACT_ERRNO"})");
    EXPECT_EQ(profile.value().no_new_privileges, true);
    auto overridden = applied({ "seccomp=/profiles/strict.json", "seccomp=unconfined", "no-new-privileges:true" });
    ASSERT_TRUE(overridden.ok());
    EXPECT_EQ(overridden.value().seccomp, SeccompMode::Unconfined);
    EXPECT_EQ(overridden.value().seccomp_profile, "");
    EXPECT_EQ(overridden.value().no_new_privileges, true);
}

TEST(SecurityOpt, WhatVmletDoesNotKnowIsRefused)
{
    EXPECT_EQ(error_of({ "seccomp=/profiles/missing.json" }), "--security-opt seccomp: cannot open /profiles/missing.json: No such file or directory");
    EXPECT_EQ(error_of({ "seccomp=" }), "invalid --security-opt seccomp=: give seccomp=unconfined or seccomp=PROFILE.json");
    EXPECT_EQ(error_of({ "no-new-privileges=maybe" }), "invalid --security-opt no-new-privileges=maybe: no-new-privileges takes true or false");
    EXPECT_EQ(error_of({ "apparmor=unconfined" }), "--security-opt apparmor is not supported by vmlet (seccomp= and no-new-privileges are)");
    EXPECT_EQ(error_of({ "label=disable" }), "--security-opt label is not supported by vmlet (seccomp= and no-new-privileges are)");
    EXPECT_EQ(error_of({ "selinux" }), "invalid --security-opt selinux: vmlet knows seccomp= and no-new-privileges");
}

TEST(SecurityOpt, VmIsolationRefusesOnlyWhatItWouldNotApply)
{
    auto error = [](const SecurityOptions& options) {
        auto checked = check_vm_security(options);
        return checked.ok() ? "accepted" : checked.error().message();
    };
    EXPECT_EQ(error({}), "accepted");
    EXPECT_EQ(error({ .privileged = true, .cap_add = { "ALL" }, .no_new_privileges = false, .seccomp = SeccompMode::Unconfined }), "accepted");
    EXPECT_EQ(error({ .cap_drop = { "NET_RAW" } }), "vm isolation does not apply --cap-drop (the VM is the container's boundary there): use --isolation=process");
    EXPECT_EQ(error({ .read_only_rootfs = true }), "vm isolation does not apply --read-only (the VM is the container's boundary there): use --isolation=process");
    EXPECT_EQ(error({ .seccomp = SeccompMode::Profile, .seccomp_profile = "{}" }),
        "vm isolation does not apply a seccomp profile (the VM is the container's boundary there): use --isolation=process");
    EXPECT_EQ(error({ .no_new_privileges = true }),
        "vm isolation does not apply no-new-privileges (the VM is the container's boundary there): use --isolation=process");
}

TEST(SecurityOpt, KeptInTheContainersRecordForExec)
{
    test::TemporaryDirectory root;
    auto store = ContainerStore::open(root.path());
    ASSERT_TRUE(store.ok()) << store.error().message();
    ContainerRecord record;
    record.isolation = Isolation::Process;
    record.security = { .privileged = false, .cap_add = { "NET_ADMIN" }, .cap_drop = { "ALL" }, .no_new_privileges = false,
        .seccomp = SeccompMode::Profile, .seccomp_profile = R"({"defaultAction": "SCMP_ACT_ALLOW"})", .read_only_rootfs = true };
    auto created = store.value().create(record);
    ASSERT_TRUE(created.ok()) << created.error().message();
    auto found = store.value().find(created.value().name);
    ASSERT_TRUE(found.ok()) << found.error().message();
    EXPECT_EQ(found.value().security, record.security);

    // Defaults stay defaults: no_new_privileges unset, not false.
    record.security = {};
    record.name = "plain";
    ASSERT_TRUE(store.value().create(record).ok());
    EXPECT_EQ(store.value().find("plain").value().security, SecurityOptions {});
}

}
