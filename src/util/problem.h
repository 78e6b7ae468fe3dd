// One problem found while loading a file (config, journey, later rule packs): where and what.
#pragma once
#include <string>

namespace tp {

struct Problem {
  std::string path;     // JSON pointer inside the document ("" for the document itself)
  std::string message;  // what is wrong, in words
};

}  // namespace tp
