/* SPDX-License-Identifier: MIT */
/*
 * pv_lxccli: a Pantavisor container-runtime plugin that drives the stock
 * lxc-start, lxc-stop and lxc-info tools instead of linking liblxc.
 *
 * This header mirrors the parts of Pantavisor's structures that the plugin
 * reads. Pantavisor never checks the layout at load time, so every offset the
 * plugin reads is pinned below with _Static_assert. The LP64 numbers are those
 * of the plugin contract (gcc, x86_64). The ILP32 numbers are derived from the
 * same field order with 4-byte pointers and longs; they depend on the size of
 * time_t only through struct pv_auto_recovery, which holds struct timespec
 * and time_t (core 2026.08), and on the alignment of double (8 on ARM EABI
 * and on every LP64 ABI, 4 on i386, which Pantavisor does not target).
 * For core 2026.08 every offset up to network and the size were measured
 * (plugin contract, section 3.1: gcc 12 on copies of the core's headers at
 * 303584a7, for LP64 and for 32-bit ARM with a 32- and a 64-bit time_t),
 * and the derived ILP32 numbers agree with them. The plugin cannot see the
 * core's time_t at run time: it must be built with the same one.
 */
#ifndef PV_LXCCLI_H
#define PV_LXCCLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Core layouts: yyyymm of the Pantavisor core master the layout matches. */
#define PV_LXCCLI_CORE_2026_01 202601
#define PV_LXCCLI_CORE_2026_08 202608

#ifndef PV_LXCCLI_CORE
#define PV_LXCCLI_CORE PV_LXCCLI_CORE_2026_08
#endif

#if PV_LXCCLI_CORE != PV_LXCCLI_CORE_2026_01 &&                               \
	PV_LXCCLI_CORE != PV_LXCCLI_CORE_2026_08
#error "PV_LXCCLI_CORE must be 202601 or 202608"
#endif

/* Compile-time settings; tests build with short ones. */
#ifndef PV_LXCCLI_STOP_TIMEOUT
#define PV_LXCCLI_STOP_TIMEOUT 30 /* seconds given to lxc-stop -t */
#endif
#ifndef PV_LXCCLI_START_TIMEOUT
#define PV_LXCCLI_START_TIMEOUT 60 /* seconds lxc-start -d may take */
#endif
#ifndef PV_LXCCLI_TOOL_TIMEOUT
#define PV_LXCCLI_TOOL_TIMEOUT 10 /* seconds for lxc-info, lxc-stop -k */
#endif
#ifndef PV_LXCCLI_RUNDIR
#define PV_LXCCLI_RUNDIR "/run/pantavisor/lxccli"
#endif

#define PV_LXCCLI_NAME_MAX 64

/* Pantavisor's log levels, as its vlog() takes them. */
enum pv_log_level {
	PV_LOG_FATAL = 0,
	PV_LOG_ERROR = 1,
	PV_LOG_WARN = 2,
	PV_LOG_INFO = 3,
	PV_LOG_DEBUG = 4,
	PV_LOG_TRACE = 5,
};

#define PLAT_ROLE_MGMT 1

struct pv_platform_log {
	int console_tty;
	int console_pt;
	int lxc_pipe[2];
};

struct pv_group {
	char *name;
	/* the rest is opaque to the plugin */
};

struct pv_state;

struct pv_dl_list {
	struct pv_dl_list *next, *prev;
};

#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
struct pv_timer {
	int type;
	struct timespec timeout;
};

struct pv_auto_recovery {
	int type;
	int max_retries;
	int current_retries;
	int retry_delay;
	double backoff_factor;
	int reset_window;
	struct pv_timer timer_retry;
	time_t last_start;
	int stable_timeout;
	int backoff_policy;
	int backoff_duration;
	struct pv_timer timer_stable;
	bool timer_stable_armed, is_stable, recovery_failed, user_stopped;
};

/* p->network: NULL when run.json has no network, else mode and list */
enum pv_platform_network_mode {
	PV_NET_MODE_NONE = 0,
	PV_NET_MODE_HOST = 1,
	PV_NET_MODE_POOL = 2,
};

/*
 * One interface of a pool network. The core's IPAM fills ipv4_address
 * ("a.b.c.d/N", or the static ip as written), ipv4_gateway, bridge and
 * mac_address just before start; they are still NULL when the config is
 * validated. veth_host is never set.
 */
struct pv_platform_network_iface {
	char *name;
	char *pool;
	char *ipv4_address;
	char *ipv4_gateway;
	char *bridge;
	char *veth_host;
	char *mac_address;
	char *static_ip;
	char *static_mac;
	struct pv_dl_list list; /* node in pv_platform_network.interfaces */
};

struct pv_platform_network {
	int mode; /* enum pv_platform_network_mode */
	char *hostname;
	struct pv_dl_list interfaces; /* head of a circular list */
};
#endif

/*
 * Only the leading fields are mirrored (core 2026.08: up to network); the
 * core's tail (event listener, timers, lists, callbacks; 2026.08: lists and
 * callbacks) is never touched, so it is an opaque pad that gives the struct
 * the core's size for hosts and tests that allocate it.
 */
struct pv_platform {
	char *name;
	char *type;
	char **configs;
	char *exec;
	unsigned long ns_share;
	pid_t init_pid;
	struct pv_platform_log log;
	struct {
		int current, goal;
	} status;
	struct pv_group *group;
	struct pv_state *state;
	int roles;
	int restart_policy;
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
	struct pv_auto_recovery auto_recovery;
#endif
	bool updated;
	bool automodfw;
	bool export;
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
	bool std_log;
#endif
	int pipefd[2];
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
	struct {
		int fd;
		void *ev;
	} pipefd_listener;
	struct pv_timer timer_status_goal;
	struct pv_dl_list drivers, services, service_exports;
	struct pv_platform_network *network;
	/* list, logger_list, logger_configs, on_stopped, on_stopped_opaque */
	unsigned char core_private[8 * sizeof(void *)];
#elif UINTPTR_MAX == 0xffffffffffffffffu
	unsigned char core_private[108];
#endif
};

/* Pointer types injected by pv_set_pv_paths_fn, in argument order. */
typedef void (*pv_vlog_fn)(char *module, int level, const char *fmt, ...);
typedef void (*pv_path1_fn)(char *buf, size_t size, const char *a);
typedef void (*pv_path2_fn)(char *buf, size_t size, const char *a,
			    const char *b);
typedef void (*pv_path3_fn)(char *buf, size_t size, const char *a,
			    const char *b, const char *c);
typedef void (*pv_path0_fn)(char *buf, size_t size);

/* Entry points, the only symbols the .so exports. */
#define PV_LXCCLI_EXPORT __attribute__((visibility("default")))

PV_LXCCLI_EXPORT int pv_start_container(struct pv_platform *p, const char *rev,
					char *conf_file, int logfd, int pipefd);
PV_LXCCLI_EXPORT void pv_stop_container(struct pv_platform *p,
					char *conf_file);
PV_LXCCLI_EXPORT void pv_set_pv_conf_loglevel_fn(int loglevel);
PV_LXCCLI_EXPORT void pv_set_pv_conf_capture_fn(bool capture);
PV_LXCCLI_EXPORT int pv_console_log_getfd(struct pv_platform *p,
					  struct pv_platform_log *log);
PV_LXCCLI_EXPORT void pv_set_pv_instance_fn(void *fn);
PV_LXCCLI_EXPORT void pv_set_pv_paths_fn(void *vlog, void *pv_file,
					 void *pv_log, void *pv_log_plat,
					 void *pv_log_file, void *usrmeta_key,
					 void *usrmeta_plat_key,
					 void *devmeta_key,
					 void *devmeta_plat_key, void *lib_hook,
					 void *volumes_plat_file,
					 void *configs_file,
					 void *lib_lxc_rootfs_mount,
					 void *lib_lxc_lxcpath);
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
PV_LXCCLI_EXPORT int pv_validate_container_config(struct pv_platform *p,
						  const char *conf_file);
PV_LXCCLI_EXPORT void
pv_enumerate_static_ips(struct pv_platform *p, const char *conf_file,
			void (*cb)(uint32_t ip_host_order, void *ctx),
			void *ctx);
#endif

/* ---- layout checks ---- */

#define PV_LXCCLI_OFF(f, v) _Static_assert(offsetof(struct pv_platform, f) == \
						   (v),                       \
					   "pv_platform." #f " offset")

_Static_assert(sizeof(struct pv_platform_log) == 16, "pv_platform_log size");
_Static_assert(offsetof(struct pv_group, name) == 0, "pv_group.name offset");

#if UINTPTR_MAX == 0xffffffffffffffffu && __SIZEOF_LONG__ == 8
/* LP64: the contract's table. */
PV_LXCCLI_OFF(name, 0);
PV_LXCCLI_OFF(exec, 24);
PV_LXCCLI_OFF(init_pid, 40);
PV_LXCCLI_OFF(log, 44);
PV_LXCCLI_OFF(group, 72);
PV_LXCCLI_OFF(roles, 88);
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
_Static_assert(sizeof(struct pv_auto_recovery) == 112, "auto_recovery size");
PV_LXCCLI_OFF(auto_recovery, 96);
PV_LXCCLI_OFF(updated, 208);
PV_LXCCLI_OFF(automodfw, 209);
PV_LXCCLI_OFF(export, 210);
PV_LXCCLI_OFF(std_log, 211);
PV_LXCCLI_OFF(pipefd, 212);
PV_LXCCLI_OFF(pipefd_listener, 224);
PV_LXCCLI_OFF(timer_status_goal, 240);
PV_LXCCLI_OFF(drivers, 264);
PV_LXCCLI_OFF(services, 280);
PV_LXCCLI_OFF(service_exports, 296);
PV_LXCCLI_OFF(network, 312);
_Static_assert(sizeof(struct pv_platform) == 384, "pv_platform size");
#else
PV_LXCCLI_OFF(updated, 96);
PV_LXCCLI_OFF(automodfw, 97);
PV_LXCCLI_OFF(export, 98);
PV_LXCCLI_OFF(pipefd, 100);
_Static_assert(sizeof(struct pv_platform) == 216, "pv_platform size");
#endif
#elif UINTPTR_MAX == 0xffffffffu
/*
 * ILP32 (armhf, ARM EABI): pointers and unsigned long are 4 bytes, so the
 * fields up to restart_policy pack to 4-byte steps: log at 24, group at 48,
 * roles at 56, restart_policy at 60. struct pv_auto_recovery starts at 64
 * (double aligns it to 8). Inside it: backoff_factor 16, reset_window 24,
 * then timer_retry (int + timespec) and last_start; with a 32-bit time_t
 * the timespec is 8 bytes aligned to 4, with a 64-bit time_t it is 16 bytes
 * aligned to 8, which moves everything after it.
 */
PV_LXCCLI_OFF(name, 0);
PV_LXCCLI_OFF(exec, 12);
PV_LXCCLI_OFF(init_pid, 20);
PV_LXCCLI_OFF(log, 24);
PV_LXCCLI_OFF(group, 48);
PV_LXCCLI_OFF(roles, 56);
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
/*
 * 64-bit time_t: timer is 24 bytes (retry at 32, last_start 56, stable 80,
 * bools 104, size 112). 32-bit time_t: timer is 12 bytes (retry at 28,
 * last_start 40, stable 56, bools 68, size 72). After pipefd the same
 * timer moves timer_status_goal (aligned to 8 with a 64-bit time_t) and
 * everything behind it; the numbers are the contract's measured ARM t64
 * and ARM t32 columns.
 */
#define PV_LXCCLI_T64(a, b) (sizeof(time_t) == 8 ? (a) : (b))
_Static_assert(sizeof(struct pv_auto_recovery) == PV_LXCCLI_T64(112, 72),
	       "auto_recovery size");
PV_LXCCLI_OFF(auto_recovery, 64);
PV_LXCCLI_OFF(updated, PV_LXCCLI_T64(176, 136));
PV_LXCCLI_OFF(automodfw, PV_LXCCLI_T64(177, 137));
PV_LXCCLI_OFF(export, PV_LXCCLI_T64(178, 138));
PV_LXCCLI_OFF(std_log, PV_LXCCLI_T64(179, 139));
PV_LXCCLI_OFF(pipefd, PV_LXCCLI_T64(180, 140));
PV_LXCCLI_OFF(pipefd_listener, PV_LXCCLI_T64(188, 148));
PV_LXCCLI_OFF(timer_status_goal, PV_LXCCLI_T64(200, 156));
PV_LXCCLI_OFF(drivers, PV_LXCCLI_T64(224, 168));
PV_LXCCLI_OFF(services, PV_LXCCLI_T64(232, 176));
PV_LXCCLI_OFF(service_exports, PV_LXCCLI_T64(240, 184));
PV_LXCCLI_OFF(network, PV_LXCCLI_T64(248, 192));
_Static_assert(sizeof(struct pv_platform) == PV_LXCCLI_T64(288, 232),
	       "pv_platform size");
#else
PV_LXCCLI_OFF(updated, 64);
PV_LXCCLI_OFF(automodfw, 65);
PV_LXCCLI_OFF(export, 66);
PV_LXCCLI_OFF(pipefd, 68);
#endif
#endif

#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
/*
 * The network structs hold only int, pointers and list nodes: P, the
 * pointer size, gives every offset on LP64 and ILP32 alike (contract 3.1).
 */
#define PV_LXCCLI_P(n) ((n) * sizeof(void *))
_Static_assert(offsetof(struct pv_platform_network, mode) == 0, "net.mode");
_Static_assert(offsetof(struct pv_platform_network, hostname) ==
		       PV_LXCCLI_P(1),
	       "net.hostname offset");
_Static_assert(offsetof(struct pv_platform_network, interfaces) ==
		       PV_LXCCLI_P(2),
	       "net.interfaces offset");
_Static_assert(sizeof(struct pv_platform_network) == PV_LXCCLI_P(4),
	       "net size (32 LP64, 16 ILP32)");
_Static_assert(offsetof(struct pv_platform_network_iface, ipv4_address) ==
		       PV_LXCCLI_P(2),
	       "iface.ipv4_address offset");
_Static_assert(offsetof(struct pv_platform_network_iface, ipv4_gateway) ==
		       PV_LXCCLI_P(3),
	       "iface.ipv4_gateway offset");
_Static_assert(offsetof(struct pv_platform_network_iface, bridge) ==
		       PV_LXCCLI_P(4),
	       "iface.bridge offset");
_Static_assert(offsetof(struct pv_platform_network_iface, mac_address) ==
		       PV_LXCCLI_P(6),
	       "iface.mac_address offset");
_Static_assert(offsetof(struct pv_platform_network_iface, list) ==
		       PV_LXCCLI_P(9),
	       "iface.list offset");
_Static_assert(sizeof(struct pv_platform_network_iface) == PV_LXCCLI_P(11),
	       "iface size (88 LP64, 44 ILP32)");
#endif

#endif /* PV_LXCCLI_H */
