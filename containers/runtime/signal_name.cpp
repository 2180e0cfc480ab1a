#include "containers/runtime/signal_name.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace vmlet {

Result<int> parse_signal(std::string_view text)
{
    if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        int number = std::atoi(std::string(text).c_str());
        if (number > 0 && number < NSIG)
            return number;
    }
    if (text.starts_with("SIG"))
        text.remove_prefix(3);
    for (int number = 1; number < NSIG; number++) {
        const char* abbreviation = ::sigabbrev_np(number);
        if (abbreviation && text == abbreviation)
            return number;
    }
    return make_error("invalid signal '{}'", text);
}

}
