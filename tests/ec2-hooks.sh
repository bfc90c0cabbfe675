# ec2-hooks.sh: the cloud hooks of tests/spawn.sub and tests/pool.sub
# (see there) for EC2: moto's server with signature checking
# (tests/lib-moto.sh) and its VM watcher, profile "lab" in $BERTH_CONFIG.
# Sourced after tests/lib-store.sh and tests/lib-moto.sh.

export BERTH_CONFIG=$TEST_DIR/berth.yaml

write_config() { # PROFILE-LINES...
	{
		echo "clouds:"
		echo "  lab:"
		echo "    driver: ec2"
		echo "    region: us-east-1"
		echo "    endpoint_url: $MOTO_URL"
		echo "    instance_type: $MOTO_INSTANCE_TYPE"
		echo "    image: $MOTO_AMI"
		echo "    subnet: $MOTO_SUBNET"
		echo "    address: private"
		echo "    allow_cidr: 127.0.0.0/8"
		echo "    spawn_timeout: 60s"
		echo "    engine_timeout: 60s"
		printf '    %s\n' "$@"
	} >"$BERTH_CONFIG"
	chmod 0600 "$BERTH_CONFIG"
}

cloud_start() {
	# moto's VMs get addresses in 127.0.0.0/24 (tests/moto-vms.py): the
	# scripts that boot them take turns, also under make -j
	exec 9>"${TMPDIR:-/tmp}/berth-moto-vms.lock"
	flock 9
	store_setup
	moto_start "$TEST_DIR/moto"
	moto_watch_start
	# the credentials come from ~/.aws, as the CLI finds them
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	printf '[bad]\naws_access_key_id = %s\naws_secret_access_key = not-the-secret\n' \
		"$MOTO_ACCESS_KEY_ID" >>"$HOME/.aws/credentials"
	write_config
}

cloud_config_bad_creds() { write_config "profile: bad"; }

# What carries berth-store in moto, not terminated, counted from the XML.
cloud_leftovers() {
	local vms groups
	vms=$(moto_ec2 Action=DescribeInstances Filter.1.Name=tag-key Filter.1.Value.1=berth-store \
		Filter.2.Name=instance-state-name Filter.2.Value.1=pending Filter.2.Value.2=running \
		Filter.2.Value.3=stopping Filter.2.Value.4=stopped | grep -o '<instanceId>' | grep -c .)
	groups=$(moto_ec2 Action=DescribeSecurityGroups Filter.1.Name=tag-key \
		Filter.1.Value.1=berth-store | grep -o '<groupId>' | grep -c .)
	echo "$vms $groups 0"
}

cloud_api_stop() { kill -STOP "$MOTO_PID"; }
cloud_api_cont() { kill -CONT "$MOTO_PID"; }
cloud_engines_off() { moto_watch_stop; }
# the watcher signs its calls with the key from the environment, which
# cloud_start took away from berth
cloud_engines_on() {
	AWS_ACCESS_KEY_ID=$MOTO_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET_ACCESS_KEY \
		moto_watch_start
}
# the watcher boots every running instance of berth's that has no engine
cloud_engines_boot() { cloud_engines_on; }
BAD_FLAVOR="--instance-type x9.nonesuch"
BAD_IMAGE="--image ami-0000000000deadbee"

