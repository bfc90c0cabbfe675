/* ec2.h: the EC2 cloud driver (and EC2-compatible clouds: endpoint_url).
 *
 * Credentials, region and endpoint as the AWS CLI finds them
 * (aws_config.h); the Query API signed with SigV4 (ec2_api.h). VMs are
 * instances launched with their tags (and their volumes' tags) in
 * RunInstances itself and ClientToken set to the spawn's intent ID;
 * security groups, elastic IPs and key pairs are tagged in their create
 * calls too. A VM's address is its private one, or its public one when
 * the profile says `address: public` (or `floating`, an elastic IP).
 */
#ifndef BERTH_EC2_H
#define BERTH_EC2_H

#include "backends/cloud/cloud.h"

int ec2_open(const struct cloud_profile *p, const struct cloud_net *net, struct cloud **out,
	     struct berr *err);

#endif
