// Shell-style globs for URLs and paths: '*' matches any run of characters (including '/'), '?' one
// character, "[abc]" a class; everything else matches itself. Iterative, linear in practice, no
// backtracking explosion.
#pragma once
#include <string_view>

namespace tp {

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace tp
