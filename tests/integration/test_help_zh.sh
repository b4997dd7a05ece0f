# Every `duban ... --help` is Chinese unless the person asks for English:
# with no language set each subcommand (and each word of one) prints its
# Chinese help (用法), with --lang en its English one, and the two name the
# same set of --options, so that an option added to one text and not the
# other fails here. The overview (`duban --help`) too, which keeps
# --version, and every command it lists is one checked here.
. "$(dirname "$0")/lib.sh"
unset DUBAN_LANG LC_ALL LC_MESSAGES LANG

commands=(
  tasks task claim progress submit
  "milestone" "milestone met" "milestone confirm" "milestone return"
  escalate inbox outbox watch escalations ack resolve remind accept reject reassign
  keygen user
  "plan" "plan load" "plan import" "plan import --load" "plan diff"
  "plan change" "plan change add" "plan change cancel" "plan change redate"
  "plan change add-milestone" "plan change remove-milestone"
  "clock" "clock advance"
  "admin" "admin backup" "admin register-key" "admin revoke-key"
  "scoring" "scoring load" ping
  "audit" "audit verify" "audit checkpoints" "audit replay" "audit report" "audit export"
  "evidence" "evidence list" "evidence get"
  "lead" "lead remind"
)

options_of() { grep -o -- '--[a-z][a-z-]*' | sort -u; }

for command in "${commands[@]}"; do
  # shellcheck disable=SC2086 # the words of the command are separate arguments
  zh=$("$BIN/duban" $command --help) || fail "duban $command --help failed: $zh"
  # shellcheck disable=SC2086
  en=$("$BIN/duban" --lang en $command --help) || fail "duban --lang en $command --help failed: $en"
  echo "$zh" | has -F '用法' || fail "duban $command --help is not Chinese: $zh"
  echo "$zh" | has -F 'usage:' && fail "duban $command --help still says usage: $zh"
  echo "$en" | has '^usage: duban' || fail "duban --lang en $command --help is not the English text: $en"
  echo "$en" | has -F '用法' && fail "duban --lang en $command --help is Chinese: $en"
  zh_options=$(echo "$zh" | options_of)
  en_options=$(echo "$en" | options_of)
  [[ $zh_options == "$en_options" ]] ||
    fail "duban $command --help: the Chinese names other options than the English:
$(diff <(echo "$en_options") <(echo "$zh_options"))"
done
# A subcommand added with its own usage text is one checked here.
while read -r name; do
  found=false
  for command in "${commands[@]}"; do
    [[ ${command% --load} == "$name" ]] && found=true
  done
  $found || fail "the source has a usage text for '$name', which this test does not check"
done < <(grep -oh 'dbn_cli_\(init(&cli, \|run_word(\)"[a-z -]*"' "$DUBAN_SOURCE"/cli/*.c | sed 's/.*"\(.*\)"/\1/' | sort -u)
pass "every subcommand's --help is Chinese by default, English with --lang en, with the same options"

zh=$("$BIN/duban" --help) || fail "duban --help failed"
en=$("$BIN/duban" --lang en --help) || fail "duban --lang en --help failed"
echo "$zh" | has '^用法：duban' || fail "the overview is not Chinese: $zh"
echo "$zh" | has -F '部门用：' || fail "the overview's groups are not Chinese: $zh"
echo "$zh" | has -F -- '--version' || fail "the Chinese overview lost --version: $zh"
echo "$en" | has '^usage: duban' || fail "the English overview is not English: $en"
echo "$en" | has -F 'For departments:' || fail "the English overview lost its groups: $en"
[[ $(echo "$zh" | options_of) == "$(echo "$en" | options_of)" ]] ||
  fail "the overviews name different options: $(diff <(echo "$en" | options_of) <(echo "$zh" | options_of))"
# The command names stay as typed, in both, and each is checked above.
listed_zh=$(echo "$zh" | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
listed_en=$(echo "$en" | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
[[ -n $listed_en && $listed_zh == "$listed_en" ]] || fail "the overviews list other commands: $listed_zh / $listed_en"
for name in $listed_en; do
  found=false
  for command in "${commands[@]}"; do
    [[ ${command%% *} == "$name" ]] && found=true
  done
  $found || fail "the overview lists '$name', which this test does not check"
done
pass "the overview is Chinese by default (groups and summaries), English with --lang en, the commands as typed"
