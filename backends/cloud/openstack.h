/* openstack.h: the OpenStack driver (Keystone v3, Nova v2.1, Neutron
 * v2.0) behind struct cloud_ops (cloud.h). Credentials come from
 * clouds.yaml + secure.yaml or the OS_* variables (clouds_yaml.h). */
#ifndef BERTH_OPENSTACK_H
#define BERTH_OPENSTACK_H

#include "backends/cloud/cloud.h"

int openstack_open(const struct cloud_profile *p, const struct cloud_net *net,
		   struct cloud **out, struct berr *err);

/* 1 when the cloud's entry says verify: false (its API's certificate is
 * not checked): the caller should say so where the user sees it. */
int openstack_insecure(const struct cloud *c);

#endif
