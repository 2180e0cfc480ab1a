#include "containers/runtime/process/seccomp_profile.h"

#include "containers/runtime/process/capabilities.h"

#include <algorithm>

namespace vmlet {

namespace {

bool has(const std::vector<std::string>& list, const std::string& item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

bool holds(const SeccompHost& host, const std::string& capability)
{
    auto number = capability_number(capability);
    return number && (host.capabilities >> *number & 1);
}

// moby's rule: every listed condition must hold for includes...
bool included(const SeccompCondition& condition, const SeccompHost& host)
{
    if (!condition.arches.empty() && !has(condition.arches, host.arch))
        return false;
    if (!std::all_of(condition.caps.begin(), condition.caps.end(), [&](const std::string& cap) { return holds(host, cap); }))
        return false;
    return !condition.min_kernel || host.kernel >= *condition.min_kernel;
}

// ...and any one of them leaves the rule out for excludes.
bool excluded(const SeccompCondition& condition, const SeccompHost& host)
{
    if (has(condition.arches, host.arch))
        return true;
    if (std::any_of(condition.caps.begin(), condition.caps.end(), [&](const std::string& cap) { return holds(host, cap); }))
        return true;
    return condition.min_kernel && host.kernel >= *condition.min_kernel;
}

}

std::vector<SeccompRule> applicable_rules(const SeccompProfile& profile, const SeccompHost& host)
{
    std::vector<SeccompRule> rules;
    for (const auto& rule : profile.rules) {
        if (!excluded(rule.excludes, host) && included(rule.includes, host))
            rules.push_back(rule);
    }
    return rules;
}

std::vector<std::string> filter_architectures(const SeccompProfile& profile, const SeccompHost& host)
{
    if (!profile.architectures.empty())
        return profile.architectures;
    for (const auto& entry : profile.arch_map) {
        if (entry.architecture == host.scmp_arch) {
            std::vector<std::string> architectures { entry.architecture };
            architectures.insert(architectures.end(), entry.sub_architectures.begin(), entry.sub_architectures.end());
            return architectures;
        }
    }
    return {};
}

}
