#include "containers/runtime/process/seccomp_json.h"

#include "containers/image/json_fields.h"

#include <charconv>
#include <limits>

namespace vmlet {

namespace {

using namespace image::json_fields;

constexpr std::pair<std::string_view, SeccompAction> action_names[] {
    { "SCMP_ACT_KILL", SeccompAction::KillThread }, { "SCMP_ACT_KILL_THREAD", SeccompAction::KillThread },
    { "SCMP_ACT_KILL_PROCESS", SeccompAction::KillProcess }, { "SCMP_ACT_TRAP", SeccompAction::Trap },
    { "SCMP_ACT_ERRNO", SeccompAction::Errno }, { "SCMP_ACT_TRACE", SeccompAction::Trace },
    { "SCMP_ACT_ALLOW", SeccompAction::Allow }, { "SCMP_ACT_LOG", SeccompAction::Log },
};

constexpr std::pair<std::string_view, SeccompArgument::Op> operator_names[] {
    { "SCMP_CMP_NE", SeccompArgument::Op::NotEqual }, { "SCMP_CMP_LT", SeccompArgument::Op::Less },
    { "SCMP_CMP_LE", SeccompArgument::Op::LessOrEqual }, { "SCMP_CMP_EQ", SeccompArgument::Op::Equal },
    { "SCMP_CMP_GE", SeccompArgument::Op::GreaterOrEqual }, { "SCMP_CMP_GT", SeccompArgument::Op::Greater },
    { "SCMP_CMP_MASKED_EQ", SeccompArgument::Op::MaskedEqual },
};

template<typename Value, size_t Count>
Result<Value> named(const std::pair<std::string_view, Value> (&names)[Count], const std::string& name, std::string_view what)
{
    for (const auto& [text, value] : names) {
        if (text == name)
            return value;
    }
    if (name == "SCMP_ACT_NOTIFY")
        return make_error("the seccomp action SCMP_ACT_NOTIFY needs a listener, which vmlet does not run");
    return make_error("unknown seccomp {} \"{}\"", what, name);
}

// An unsigned integer field no larger than `limit`; absent or null: nullopt.
Result<std::optional<uint64_t>> number(const Json& object, const char* field, uint64_t limit = std::numeric_limits<uint64_t>::max())
{
    auto found = object.find(field);
    if (found == object.end() || found->is_null())
        return std::optional<uint64_t>();
    if (!found->is_number_unsigned() && !(found->is_number_integer() && found->get<int64_t>() >= 0))
        return make_error("'{}' is not a non-negative integer", field);
    auto value = found->get<uint64_t>();
    if (value > limit)
        return make_error("'{}' is {}, more than {}", field, value, limit);
    return std::optional<uint64_t>(value);
}

// "MAJOR.MINOR", each a number below 256 and not both 0 (moby's KernelVersion).
Result<std::optional<std::pair<unsigned, unsigned>>> kernel_version(const Json& object)
{
    auto text = TRY(string_or_empty(object, "minKernel"));
    if (text.empty())
        return std::optional<std::pair<unsigned, unsigned>>();
    auto invalid = make_error("invalid minKernel \"{}\": give MAJOR.MINOR", text);
    auto dot = text.find('.');
    if (dot == std::string::npos)
        return invalid;
    unsigned parts[2] {};
    std::string_view pieces[2] { std::string_view(text).substr(0, dot), std::string_view(text).substr(dot + 1) };
    for (int index = 0; index < 2; ++index) {
        auto [end, error] = std::from_chars(pieces[index].data(), pieces[index].data() + pieces[index].size(), parts[index]);
        if (pieces[index].empty() || error != std::errc() || end != pieces[index].data() + pieces[index].size() || parts[index] > 255)
            return invalid;
    }
    if (parts[0] == 0 && parts[1] == 0)
        return invalid;
    return std::optional<std::pair<unsigned, unsigned>>(std::pair { parts[0], parts[1] });
}

Result<SeccompCondition> condition(const Json& rule, const char* field)
{
    SeccompCondition parsed;
    auto object = TRY(object_or_null(rule, field));
    if (!object)
        return parsed;
    parsed.caps = TRY_CONTEXT(strings_or_empty(*object, "caps"), field);
    parsed.arches = TRY_CONTEXT(strings_or_empty(*object, "arches"), field);
    parsed.min_kernel = TRY_CONTEXT(kernel_version(*object), field);
    return parsed;
}

Result<SeccompArgument> argument(const Json& json)
{
    if (!json.is_object())
        return make_error("an argument is not an object");
    SeccompArgument parsed;
    auto index = TRY(number(json, "index", 5));
    parsed.index = static_cast<unsigned>(index.value_or(0));
    parsed.value = TRY(number(json, "value")).value_or(0);
    parsed.value_two = TRY(number(json, "valueTwo")).value_or(0);
    auto op = TRY(required_string(json, "op"));
    parsed.op = TRY(named(operator_names, op, "operator"));
    return parsed;
}

Result<SeccompRule> rule(const Json& json)
{
    if (!json.is_object())
        return make_error("an entry of 'syscalls' is not an object");
    SeccompRule parsed;
    parsed.names = TRY(strings_or_empty(json, "names"));
    auto name = TRY(string_or_empty(json, "name"));
    if (!name.empty() && !parsed.names.empty())
        return make_error("a syscalls entry has both 'name' and 'names'");
    if (!name.empty())
        parsed.names = { name };
    if (parsed.names.empty())
        return make_error("a syscalls entry names no system call");
    auto context = fmt::format("the rule for {}", parsed.names.front());
    auto action = TRY_CONTEXT(required_string(json, "action"), context);
    parsed.action = TRY_CONTEXT(named(action_names, action, "action"), context);
    auto errno_ret = TRY_CONTEXT(number(json, "errnoRet", std::numeric_limits<uint16_t>::max()), context);
    if (errno_ret)
        parsed.errno_ret = static_cast<uint32_t>(*errno_ret);
    if (auto args = TRY_CONTEXT(array_or_null(json, "args"), context)) {
        for (const auto& element : *args)
            parsed.args.push_back(TRY_CONTEXT(argument(element), context));
    }
    parsed.includes = TRY_CONTEXT(condition(json, "includes"), context);
    parsed.excludes = TRY_CONTEXT(condition(json, "excludes"), context);
    return parsed;
}

Result<SeccompArchitectures> arch_map_entry(const Json& json)
{
    if (!json.is_object())
        return make_error("an entry of 'archMap' is not an object");
    SeccompArchitectures parsed;
    parsed.architecture = TRY(required_string(json, "architecture"));
    parsed.sub_architectures = TRY(strings_or_empty(json, "subArchitectures"));
    return parsed;
}

Result<SeccompProfile> profile(const Json& json)
{
    SeccompProfile parsed;
    auto default_action = TRY(string_or_empty(json, "defaultAction"));
    if (default_action.empty())
        return make_error("it has no defaultAction (for no filter at all, use seccomp=unconfined)");
    parsed.default_action = TRY(named(action_names, default_action, "action"));
    auto default_errno = TRY(number(json, "defaultErrnoRet", std::numeric_limits<uint16_t>::max()));
    if (default_errno)
        parsed.default_errno = static_cast<uint32_t>(*default_errno);
    parsed.architectures = TRY(strings_or_empty(json, "architectures"));
    if (auto arch_map = TRY(array_or_null(json, "archMap"))) {
        for (const auto& element : *arch_map)
            parsed.arch_map.push_back(TRY(arch_map_entry(element)));
    }
    if (!parsed.architectures.empty() && !parsed.arch_map.empty())
        return make_error("it has both 'architectures' and 'archMap': give one");
    parsed.flags = TRY(strings_or_empty(json, "flags"));
    if (!TRY(string_or_empty(json, "listenerPath")).empty())
        return make_error("it names a listenerPath: vmlet runs no seccomp listener");
    if (auto syscalls = TRY(array_or_null(json, "syscalls"))) {
        for (const auto& element : *syscalls)
            parsed.rules.push_back(TRY(rule(element)));
    }
    return parsed;
}

}

Result<SeccompProfile> parse_seccomp_profile(std::string_view text)
{
    auto json = TRY(parse_object(text, "the seccomp profile"));
    return TRY_CONTEXT(profile(json), "the seccomp profile");
}

}
