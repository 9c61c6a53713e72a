# durable_translate(<target>)
#
# Compile <target>'s C sources through dcc, as a compiler launcher: files with
# durable code are translated, all others go straight to the real compiler.
# In this source tree dcc is the `dcc` target; from an installed package it is
# DURABLE_DCC_EXECUTABLE (set by DurableConfig.cmake).
function(durable_translate target)
  if(TARGET dcc)
    add_dependencies(${target} dcc)
    set(_dcc "$<TARGET_FILE:dcc>")
  elseif(DURABLE_DCC_EXECUTABLE)
    set(_dcc "${DURABLE_DCC_EXECUTABLE}")
  else()
    message(FATAL_ERROR "durable_translate: dcc not found (set DURABLE_DCC_EXECUTABLE)")
  endif()
  set_property(TARGET ${target} PROPERTY C_COMPILER_LAUNCHER "${_dcc}")
endfunction()
