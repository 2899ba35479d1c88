# --suppress-time-limits leaves no MAXACTION check in the generated code
# and defines STAP_SUPPRESS_TIME_LIMITS_ENABLE (no overload detection);
# --suppress-handler-errors defines STAP_SUPPRESS_HANDLER_ERRORS
s='probe begin { for (i = 0; i < 3; i++) println(i) }'
"$STAP" -p3 -e "$s" | grep -c 'actionremaining -='
"$STAP" -p3 -g --suppress-time-limits -e "$s" | grep -c 'actionremaining -=\|^#define STAP_SUPPRESS_TIME_LIMITS_ENABLE'
"$STAP" -p3 --suppress-handler-errors -e "$s" | grep -c '^#define STAP_SUPPRESS_HANDLER_ERRORS'
