/* commands.h: every command entry, for commands/table.c. */
#ifndef BERTH_COMMANDS_H
#define BERTH_COMMANDS_H

#include "commands/cmd.h"

extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_exit_entry;

extern const struct cmd_entry cmd_container_create_entry;
extern const struct cmd_entry cmd_container_start_entry;
extern const struct cmd_entry cmd_container_stop_entry;
extern const struct cmd_entry cmd_container_restart_entry;
extern const struct cmd_entry cmd_container_pause_entry;
extern const struct cmd_entry cmd_container_unpause_entry;
extern const struct cmd_entry cmd_container_delete_entry;
extern const struct cmd_entry cmd_container_list_entry;
extern const struct cmd_entry cmd_container_inspect_entry;
extern const struct cmd_entry cmd_container_logs_entry;
extern const struct cmd_entry cmd_container_exec_entry;
extern const struct cmd_entry cmd_container_attach_entry;
extern const struct cmd_entry cmd_container_run_entry;
extern const struct cmd_entry cmd_container_wait_entry;
extern const struct cmd_entry cmd_container_cp_entry;
extern const struct cmd_entry cmd_container_top_entry;
extern const struct cmd_entry cmd_container_stats_entry;
extern const struct cmd_entry cmd_container_kill_entry;
extern const struct cmd_entry cmd_container_rename_entry;
extern const struct cmd_entry cmd_container_port_entry;
extern const struct cmd_entry cmd_container_update_entry;
extern const struct cmd_entry cmd_container_prune_entry;

extern const struct cmd_entry cmd_image_list_entry;
extern const struct cmd_entry cmd_image_inspect_entry;
extern const struct cmd_entry cmd_image_delete_entry;
extern const struct cmd_entry cmd_image_load_entry;
extern const struct cmd_entry cmd_image_save_entry;
extern const struct cmd_entry cmd_image_pull_entry;
extern const struct cmd_entry cmd_image_distribute_entry;
extern const struct cmd_entry cmd_image_tag_entry;
extern const struct cmd_entry cmd_image_history_entry;
extern const struct cmd_entry cmd_image_prune_entry;
extern const struct cmd_entry cmd_image_import_entry;

extern const struct cmd_entry cmd_volume_create_entry;
extern const struct cmd_entry cmd_volume_list_entry;
extern const struct cmd_entry cmd_volume_inspect_entry;
extern const struct cmd_entry cmd_volume_delete_entry;
extern const struct cmd_entry cmd_volume_prune_entry;

extern const struct cmd_entry cmd_network_create_entry;
extern const struct cmd_entry cmd_network_list_entry;
extern const struct cmd_entry cmd_network_inspect_entry;
extern const struct cmd_entry cmd_network_delete_entry;
extern const struct cmd_entry cmd_network_connect_entry;
extern const struct cmd_entry cmd_network_disconnect_entry;
extern const struct cmd_entry cmd_network_prune_entry;

extern const struct cmd_entry cmd_system_df_entry;
extern const struct cmd_entry cmd_system_prune_entry;

extern const struct cmd_entry cmd_host_list_entry;
extern const struct cmd_entry cmd_host_use_entry;
extern const struct cmd_entry cmd_host_info_entry;
extern const struct cmd_entry cmd_host_add_entry;
extern const struct cmd_entry cmd_host_remove_entry;
extern const struct cmd_entry cmd_host_import_contexts_entry;
extern const struct cmd_entry cmd_host_probe_entry;
extern const struct cmd_entry cmd_host_activate_entry;
extern const struct cmd_entry cmd_host_deactivate_entry;
extern const struct cmd_entry cmd_host_drain_entry;
extern const struct cmd_entry cmd_host_slots_entry;
extern const struct cmd_entry cmd_host_spawn_entry;
extern const struct cmd_entry cmd_host_destroy_entry;

extern const struct cmd_entry cmd_cloud_reconcile_entry;

extern const struct cmd_entry cmd_cloud_list_entry;

extern const struct cmd_entry cmd_pool_status_entry;
extern const struct cmd_entry cmd_pool_shutdown_entry;
extern const struct cmd_entry cmd_pool_resume_entry;

extern const struct cmd_entry cmd_cache_refresh_entry;
extern const struct cmd_entry cmd_cache_show_entry;
extern const struct cmd_entry cmd_cache_reset_entry;
extern const struct cmd_entry cmd_cache_watch_entry;
extern const struct cmd_entry cmd_events_entry;

extern const struct cmd_entry cmd_template_add_entry;
extern const struct cmd_entry cmd_template_list_entry;
extern const struct cmd_entry cmd_template_show_entry;
extern const struct cmd_entry cmd_template_delete_entry;
extern const struct cmd_entry cmd_housekeeping_entry;

struct shell;
/* cloud reconcile's differences, report-only, as housekeeping's lines
 * (nothing when no cloud is configured). */
void cloud_reconcile_report(struct shell *sh);

/* housekeeping's lease: one run at a time across processes and machines
 * (pool shutdown takes it too). Longer than a run over many hosts takes:
 * a holder that outlives its lease may see a second run start beside it. */
#define HOUSEKEEPING_LEASE "housekeeping"
#define HOUSEKEEPING_LEASE_TTL_MS (10 * 60 * 1000)
/* Takes it for holder as store_lease_acquire does (1 taken, 0 held by
 * *current, -1 err); a holder of this machine whose process is gone
 * (killed while it held it) loses it at once rather than in 10 minutes. */
struct store;
struct berr;
int housekeeping_lease(struct store *s, const char *holder, char **current, struct berr *err);
/* "OWNER PID@MACHINE": who holds a lease. Caller frees. */
char *housekeeping_holder(struct shell *sh);
/* The pool's containers in one fan-out; the expired ones deleted (with
 * dry_run named), then the cache of every host that answered refreshed.
 * 0, or -1 when something failed (said). */
int housekeeping_sweep(struct shell *sh, int dry_run);
/* housekeeping's pool step, under its lease: in shutdown mode the
 * shutdown carries on; else pool.autoscale sizes the pool (one line per
 * action, nothing when nothing was done). 0, or -1 when something failed
 * (said). */
int pool_housekeeping(struct shell *sh, int dry_run);

#endif
