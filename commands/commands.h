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

extern const struct cmd_entry cmd_image_list_entry;
extern const struct cmd_entry cmd_image_inspect_entry;
extern const struct cmd_entry cmd_image_delete_entry;
extern const struct cmd_entry cmd_image_load_entry;
extern const struct cmd_entry cmd_image_save_entry;
extern const struct cmd_entry cmd_image_pull_entry;
extern const struct cmd_entry cmd_image_distribute_entry;

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

extern const struct cmd_entry cmd_cache_refresh_entry;
extern const struct cmd_entry cmd_cache_show_entry;
extern const struct cmd_entry cmd_cache_reset_entry;

extern const struct cmd_entry cmd_template_add_entry;
extern const struct cmd_entry cmd_template_list_entry;
extern const struct cmd_entry cmd_template_show_entry;
extern const struct cmd_entry cmd_template_delete_entry;
extern const struct cmd_entry cmd_housekeeping_entry;

struct shell;
/* cloud reconcile's differences, report-only, as housekeeping's lines
 * (nothing when no cloud is configured). */
void cloud_reconcile_report(struct shell *sh);

#endif
