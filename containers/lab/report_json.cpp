#include "containers/lab/report_json.h"

#include "containers/image/json_fields.h"
#include "containers/lab/report_figures.h"

namespace vmlet::lab {

namespace {

using image::json_fields::Json;
namespace fields = image::json_fields;

Json machine_json(const MachineInfo& machine)
{
    return {
        { "cpu_model", machine.cpu_model },
        { "kernel_release", machine.kernel_release },
        { "kvm_kind", machine.kvm_kind },
        { "cpus", machine.cpus },
        { "memory_mib", machine.memory_mib },
        { "vmlet_version", machine.vmlet_version },
        { "image", machine.image },
        { "runs", machine.runs },
        { "started", machine.started },
        { "duration_s", machine.duration_s },
    };
}

Json subject_json(const SubjectResults& subject)
{
    Json figures = Json::object();
    for (const auto& [key, samples] : subject.figures) {
        figures[key] = {
            { "unit", samples.unit },
            { "samples", samples.values },
            { "median", samples.values.empty() ? Json() : Json(median(samples.values)) },
        };
    }
    Json probes = Json::object();
    for (const auto& [name, probe] : subject.probes)
        probes[name] = { { "outcome", outcome_name(probe.outcome) }, { "detail", probe.detail } };
    return {
        { "subject", subject_name(subject.subject) },
        { "measured", subject.measured },
        { "skipped_because", subject.skipped_because },
        { "facts", subject.facts },
        { "figures", std::move(figures) },
        { "probes", std::move(probes) },
    };
}

Result<const Json*> required(const Json& object, const char* field, Json::value_t type)
{
    auto found = object.find(field);
    // Numbers: an integer where a double is expected is still a number.
    bool fits = found != object.end()
        && (found->type() == type || (type == Json::value_t::number_float && found->is_number()));
    if (!fits)
        return make_error("'{}' is missing or of the wrong type", field);
    return &*found;
}

Result<double> number(const Json& object, const char* field)
{
    return TRY(required(object, field, Json::value_t::number_float))->get<double>();
}

Result<uint64_t> count(const Json& object, const char* field)
{
    return TRY(required(object, field, Json::value_t::number_unsigned))->get<uint64_t>();
}

Result<MachineInfo> parse_machine(const Json& object)
{
    MachineInfo machine;
    machine.cpu_model = TRY(fields::required_string(object, "cpu_model"));
    machine.kernel_release = TRY(fields::required_string(object, "kernel_release"));
    machine.kvm_kind = TRY(fields::required_string(object, "kvm_kind"));
    machine.cpus = static_cast<unsigned>(TRY(count(object, "cpus")));
    machine.memory_mib = TRY(count(object, "memory_mib"));
    machine.vmlet_version = TRY(fields::required_string(object, "vmlet_version"));
    machine.image = TRY(fields::required_string(object, "image"));
    machine.runs = static_cast<unsigned>(TRY(count(object, "runs")));
    machine.started = TRY(fields::required_string(object, "started"));
    machine.duration_s = TRY(number(object, "duration_s"));
    return machine;
}

Result<Subject> parse_subject_name(const std::string& name)
{
    for (Subject subject : report_columns) {
        if (subject_name(subject) == name)
            return subject;
    }
    return make_error("'{}' is not a subject", name);
}

Result<Outcome> parse_outcome(const std::string& name)
{
    for (Outcome outcome : { Outcome::Allowed, Outcome::Denied, Outcome::NotApplicable }) {
        if (outcome_name(outcome) == name)
            return outcome;
    }
    return make_error("'{}' is not a probe outcome", name);
}

Result<Samples> parse_samples(const Json& object)
{
    Samples samples;
    samples.unit = TRY(fields::required_string(object, "unit"));
    for (const auto& value : *TRY(required(object, "samples", Json::value_t::array))) {
        if (!value.is_number())
            return make_error("a sample is not a number");
        samples.values.push_back(value.get<double>());
    }
    return samples;
}

Result<SubjectResults> parse_subject(const Json& object)
{
    auto which = TRY(fields::required_string(object, "subject"));
    SubjectResults subject;
    subject.subject = TRY(parse_subject_name(which));
    subject.measured = TRY(required(object, "measured", Json::value_t::boolean))->get<bool>();
    subject.skipped_because = TRY(fields::required_string(object, "skipped_because"));
    for (const auto& [key, value] : TRY(required(object, "facts", Json::value_t::object))->items()) {
        if (!value.is_string())
            return make_error("fact '{}' is not a string", key);
        subject.facts[key] = value.get<std::string>();
    }
    for (const auto& [key, value] : TRY(required(object, "figures", Json::value_t::object))->items())
        subject.figures[key] = TRY_CONTEXT(parse_samples(value), "figure " + key);
    for (const auto& [name, value] : TRY(required(object, "probes", Json::value_t::object))->items()) {
        auto outcome = TRY_CONTEXT(fields::required_string(value, "outcome"), "probe " + name);
        auto& probe = subject.probes[name];
        probe.outcome = TRY_CONTEXT(parse_outcome(outcome), "probe " + name);
        probe.detail = TRY_CONTEXT(fields::required_string(value, "detail"), "probe " + name);
    }
    return subject;
}

}

std::string render_json(const LabResults& results)
{
    Json subjects = Json::array();
    for (const auto& subject : results.subjects)
        subjects.push_back(subject_json(subject));
    Json document { { "machine", machine_json(results.machine) }, { "subjects", std::move(subjects) } };
    return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<LabResults> parse_lab_json(std::string_view text)
{
    auto document = TRY(fields::parse_object(text, "the lab's results"));
    LabResults results;
    const auto* machine = TRY(required(document, "machine", Json::value_t::object));
    results.machine = TRY_CONTEXT(parse_machine(*machine), "machine");
    for (const auto& subject : *TRY(required(document, "subjects", Json::value_t::array)))
        results.subjects.push_back(TRY_CONTEXT(parse_subject(subject), "subject"));
    return results;
}

}
