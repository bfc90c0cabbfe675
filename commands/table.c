/* table.c: the one command table. Order here is the order of help, the
 * man page and the README. */
#include "commands/commands.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_container_create_entry,
	&cmd_container_start_entry,
	&cmd_container_stop_entry,
	&cmd_container_restart_entry,
	&cmd_container_pause_entry,
	&cmd_container_unpause_entry,
	&cmd_container_delete_entry,
	&cmd_container_list_entry,
	&cmd_container_inspect_entry,
	&cmd_container_logs_entry,
	&cmd_container_exec_entry,
	&cmd_container_attach_entry,
	&cmd_container_run_entry,
	&cmd_container_wait_entry,
	&cmd_container_cp_entry,
	&cmd_container_top_entry,
	&cmd_container_stats_entry,
	&cmd_container_kill_entry,
	&cmd_container_rename_entry,
	&cmd_container_port_entry,
	&cmd_container_update_entry,
	&cmd_container_prune_entry,

	&cmd_image_list_entry,
	&cmd_image_inspect_entry,
	&cmd_image_delete_entry,
	&cmd_image_load_entry,
	&cmd_image_save_entry,
	&cmd_image_pull_entry,
	&cmd_image_distribute_entry,
	&cmd_image_tag_entry,
	&cmd_image_history_entry,
	&cmd_image_prune_entry,
	&cmd_image_import_entry,

	&cmd_volume_create_entry,
	&cmd_volume_list_entry,
	&cmd_volume_inspect_entry,
	&cmd_volume_delete_entry,
	&cmd_volume_prune_entry,

	&cmd_network_create_entry,
	&cmd_network_list_entry,
	&cmd_network_inspect_entry,
	&cmd_network_delete_entry,
	&cmd_network_connect_entry,
	&cmd_network_disconnect_entry,
	&cmd_network_prune_entry,

	&cmd_system_df_entry,
	&cmd_system_prune_entry,

	&cmd_host_list_entry,
	&cmd_host_use_entry,
	&cmd_host_info_entry,
	&cmd_host_add_entry,
	&cmd_host_remove_entry,
	&cmd_host_import_contexts_entry,
	&cmd_host_probe_entry,
	&cmd_host_activate_entry,
	&cmd_host_deactivate_entry,
	&cmd_host_drain_entry,
	&cmd_host_slots_entry,
	&cmd_host_spawn_entry,
	&cmd_host_destroy_entry,

	&cmd_cloud_list_entry,
	&cmd_cloud_reconcile_entry,

	&cmd_pool_status_entry,
	&cmd_pool_shutdown_entry,
	&cmd_pool_resume_entry,

	&cmd_cache_refresh_entry,
	&cmd_cache_show_entry,
	&cmd_cache_reset_entry,
	&cmd_cache_watch_entry,

	&cmd_events_entry,

	&cmd_template_add_entry,
	&cmd_template_list_entry,
	&cmd_template_show_entry,
	&cmd_template_delete_entry,

	&cmd_housekeeping_entry,

	&cmd_help_entry,
	&cmd_version_entry,
	&cmd_exit_entry,
	NULL
};

/* Options the parser adds by a command's flags; see cmd.h. */
const struct opt_spec cmd_common_options[] = {
	{ .short_name = 'h', .long_name = "help", .type = OPT_FLAG,
	  .help = "show this command's usage and options" },
	{ .long_name = "json", .type = OPT_FLAG,
	  .help = "print one JSON document instead of a table" },
	{ .short_name = 'q', .long_name = "quiet", .type = OPT_FLAG, .help = "print IDs only" },
	{ .long_name = "host", .type = OPT_LIST, .metavar = "NAME",
	  .help = "act on host NAME instead of the pinned host or the pool", .kind = ARG_HOST },
	OPT_END
};
