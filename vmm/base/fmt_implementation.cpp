// fmt's out-of-line code, compiled once into vmlet's own libraries instead of linked as
// libfmt.so: Debian ships fmt as a shared library only, and vmlet-vmm is a static executable (its
// memory besides guest RAM is then only what it uses). Without FMT_HEADER_ONLY, format-inl.h
// defines fmt's non-template functions in the one file that includes it; the explicit
// instantiations are the templates that fmt/format.h declares `extern template`.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;

}
FMT_END_NAMESPACE
