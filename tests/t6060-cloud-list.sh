#!/bin/bash
# t6060-cloud-list: cloud list over the settings' clouds: profiles, with no
# cloud reached: no profile (the header, []), and profiles whose driver
# cannot be opened here (no credentials in this private HOME, or a driver
# not built in) listed as failed with one warning line each, exit 0, the
# store's ID made on the way. The drivers' own checks against moto and
# Keystone are the cloud tests' (t6000, t6100, the spawn tests).

. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ -x "$BERTH" ] || BAIL_OUT "no berth binary at $BERTH"
cd "$TEST_DIR" || BAIL_OUT "cd $TEST_DIR"
unset OS_CLOUD OS_AUTH_URL AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
	AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EC2

printf 'hosts: {}\n' >none.yaml
berth --config none.yaml cloud list
is "$RC" 0 "no profile: exit 0"
is "$OUT" "NAME  DRIVER  REGION  CREDENTIALS  VMS" "... the header alone"
is "$ERR" "" "... nothing on stderr"
berth --config none.yaml cloud list --json
is "$OUT" "[]" "... [] with --json"

cat >clouds.yaml <<'EOF2'
clouds:
  lab-os:
    driver: openstack
    cloud: nowhere
    region: RegionOne
  lab-ec2:
    driver: ec2
    profile: nobody
    region: us-east-1
    endpoint_url: http://127.0.0.1:9
EOF2
chmod 600 clouds.yaml
start=$SECONDS
berth --config clouds.yaml cloud list
is "$RC" 0 "profiles that cannot be checked: exit 0"
like "$(sed -n 2p "$OUTF")" '^lab-os +openstack +RegionOne +failed +-$' "lab-os: failed, no VM count"
like "$(sed -n 3p "$OUTF")" '^lab-ec2 +ec2 +us-east-1 +failed +-$' "lab-ec2: failed, no VM count"
is "$(grep -c '' "$ERRF")" 2 "one warning line per profile"
like "$(sed -n 1p "$ERRF")" '^berth: warning: (cloud )?lab-os: ' "... naming the profile"
like "$(sed -n 2p "$ERRF")" '^berth: warning: (cloud )?lab-ec2: ' "... each"
ok $((SECONDS - start > 20)) "... promptly"

berth --config clouds.yaml cloud list --json
is "$RC" 0 "--json: exit 0"
json_valid "$OUTF"
ok $? "... valid JSON"
is "$(pyjson '[c["Name"] for c in d]' <"$OUTF")" '["lab-os", "lab-ec2"]' "... the profiles in order"
is "$(pyjson '[(c["Driver"], c["Region"], c["Credentials"], c["VMs"]) for c in d]' <"$OUTF")" \
	'[["openstack", "RegionOne", false, null], ["ec2", "us-east-1", false, null]]' \
	"... driver, region, credentials false, VMs null"
is "$(pyjson 'all(c["Error"] for c in d)' <"$OUTF")" true "... each with its error"
unlike "$OUT" 'password|secret' "nothing secret-looking in the output"

berth --config clouds.yaml help cloud list
is "$RC" 0 "help cloud list works"

done_testing
