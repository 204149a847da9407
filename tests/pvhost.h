/* SPDX-License-Identifier: MIT */
/*
 * pvhost: a small Pantavisor-like host for the runtime plugin.
 *
 * It loads a plugin the way the Pantavisor core does (plugin contract,
 * sections 1, 2 and 4), drives one platform through start, pid, console and
 * stop with the core's exact order of calls and fd hand-overs, and offers the
 * helpers the integration tests and the benchmark need (fd and child counts,
 * a busybox rootfs, a minimal LXC config).
 *
 * The path builders handed to the plugin are plain function pointers with no
 * context argument, so they read a process-wide sandbox path: at most one
 * struct pvhost may be loaded per process at a time.
 *
 * Every fd this library creates is O_CLOEXEC. Nothing here sleeps to wait
 * for an event: waits are poll() against a CLOCK_MONOTONIC deadline. The
 * library never changes the process signal mask; in PID 1 mode it installs
 * a SIGCHLD handler (and removes it again in pvhost_unload()).
 *
 * Errors: functions returning int give 0 on success and -1 with errno set on
 * failure unless documented otherwise; the reason is also printed to the
 * host log (opts.log).
 */
#ifndef PVHOST_H
#define PVHOST_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "pv_lxccli.h"

/*
 * Test init for pvhost_make_rootfs(), busybox sh. Prints
 * "pvhost-init: up hostname=<h> env=<$FOO> pid=<$$>" to /dev/console (stdout
 * when there is no console), and on SIGUSR1, SIGPWR or SIGTERM prints
 * "pvhost-init: halting sig=<USR1|PWR|TERM>" and exits 0. Every line is
 * also appended to PVHOST_TEST_INIT_LOG in the rootfs: the core closes the
 * console before it stops a platform, so this file is the only way for a
 * test to see the halt line. The traps are set before anything else so an
 * early stop is still graceful. It waits with "sleep & wait" because sh runs
 * a trap only between commands: a foreground sleep would delay the halt by
 * up to a second, wait returns at once. Both SIGUSR1 (what
 * pvhost_write_lxc_conf() sets as lxc.signal.halt) and SIGPWR (what lxc-stop
 * sends when it does not see the config) are trapped; the sig= field tells
 * the tests which one arrived.
 */
#define PVHOST_TEST_INIT                                                       \
	"#!/bin/sh\n"                                                          \
	"say() {\n"                                                            \
	"\techo \"$*\" >> /tmp/pvhost-init.log\n"                              \
	"\techo \"$*\" > /dev/console 2>/dev/null || echo \"$*\"\n"            \
	"}\n"                                                                  \
	"halt() { say \"pvhost-init: halting sig=$1\"; exit 0; }\n"            \
	"trap 'halt USR1' USR1\n"                                              \
	"trap 'halt PWR' PWR\n"                                                \
	"trap 'halt TERM' TERM\n"                                              \
	"say \"pvhost-init: up hostname=$(hostname) env=$FOO pid=$$\"\n"       \
	"while :; do sleep 1 & wait $!; done\n"

/* The init's own log, relative to the rootfs (rootfs/tmp is no tmpfs). */
#define PVHOST_TEST_INIT_LOG "tmp/pvhost-init.log"

/* Where pvhost_make_rootfs() puts the init script, inside the rootfs. */
#define PVHOST_TEST_INIT_PATH "/sbin/init-test"
/* The halt signal pvhost_write_lxc_conf() configures; the init traps it. */
#define PVHOST_TEST_HALT_SIGNAL "SIGUSR1"

/* How long the core waits for init after pv_stop_container() returned. */
#define PVHOST_STOP_GRACE_MS 5000

struct pvhost_opts {
	const char *plugin;  /* path of the .so to dlopen() */
	const char *sandbox; /* root of every injected path; NULL: mkdtemp */
	/*
	 * true: act as Pantavisor PID 1: PR_SET_CHILD_SUBREAPER and a SIGCHLD
	 * handler (SA_RESTART) that reaps every child with
	 * waitpid(-1, WNOHANG), as core 2026.08 does in both modes.
	 * false: appengine mode of core 2026.01: no subreaper, reap nothing.
	 */
	bool pid1;
	int loglevel; /* LXC scale 0 TRACE .. 8 FATAL; core default 2 */
	bool capture; /* core key log.capture; core default true */
	FILE *log;    /* plugin's vlog lines and host notes; NULL: stderr */
	const char *log_prefix; /* put before every line in log; NULL: "" */
	/* where volumes_plat_file() and pvhost_rev_prepare() put volumes:
	 * NULL for <sandbox>/volumes; "/volumes" runs a device's own
	 * platform folder with its config unchanged */
	const char *volumes;
};

/* Fills o with the core's defaults: loglevel 2, capture on, PID 1 mode. */
void pvhost_opts_init(struct pvhost_opts *o, const char *plugin);

/* Entry points, resolved in the core's order; the last two may be NULL. */
struct pvhost_plugin {
	int (*start)(struct pv_platform *p, const char *rev, char *conf_file,
		     int logfd, int pipefd);
	void (*stop)(struct pv_platform *p, char *conf_file);
	void (*set_loglevel)(int loglevel);
	void (*set_capture)(bool capture);
	int (*console_log_getfd)(struct pv_platform *p,
				 struct pv_platform_log *log);
	void (*set_instance)(void *fn);
	void (*set_paths)(void *vlog, void *pv_file, void *pv_log,
			  void *pv_log_plat, void *pv_log_file,
			  void *usrmeta_key, void *usrmeta_plat_key,
			  void *devmeta_key, void *devmeta_plat_key,
			  void *lib_hook, void *volumes_plat_file,
			  void *configs_file, void *lib_lxc_rootfs_mount,
			  void *lib_lxc_lxcpath);
	int (*validate)(struct pv_platform *p, const char *conf_file);
	void (*enumerate_static_ips)(
		struct pv_platform *p, const char *conf_file,
		void (*cb)(uint32_t ip_host_order, void *ctx), void *ctx);
};

#define PVHOST_LOG_RING 64
#define PVHOST_LOG_LINE 512

/* Host state. Callers may read every field; only the library writes them. */
struct pvhost {
	struct pvhost_opts opts;
	char sandbox[PATH_MAX];
	char volumes[PATH_MAX]; /* opts.volumes, or <sandbox>/volumes */
	bool sandbox_made; /* true when pvhost_load() made it with mkdtemp */
	void *dl;	   /* never dlclose()d, as in Pantavisor */
	struct pvhost_plugin fn;
	int ctrl_fd;	 /* bound AF_UNIX socket <sb>/pv/pv-ctrl */
	int ctrl_log_fd; /* bound AF_UNIX socket <sb>/pv/pv-ctrl-log */
	/* ring of the last PVHOST_LOG_RING vlog lines, "[module] LEVEL msg" */
	char ring[PVHOST_LOG_RING][PVHOST_LOG_LINE];
	unsigned int ring_next;	     /* total lines ever logged */
	unsigned int instance_calls; /* calls to the injected instance fn */
	/*
	 * The plugin logs from its helpers too. A forked child's vlog writes
	 * its line to this pipe; an exec'd helper, which has no vlog, writes
	 * to its stderr, which is this pipe during start and stop (see
	 * stderr_to_ring). The log queries drain it into the ring first.
	 */
	int child_log[2];
	/* stderr of the host, and the plugin's own start and stop, which
	 * fn.start and fn.stop wrap (see stderr_to_ring) */
	FILE *err;
	struct pvhost_plugin real;
	double last_call_ms; /* time inside the last start or stop */
	pid_t host_pid;
	unsigned int path_truncations;
};

/*
 * Loads the plugin and prepares the sandbox. Creates <sb>/pv/{logs,
 * user-meta,device-meta}, binds and listens on <sb>/pv/pv-ctrl and
 * <sb>/pv/pv-ctrl-log, creates <sb>/lib/pv/hooks_lxc-mount.d (empty),
 * <sb>/usr/lib/lxc/rootfs and <sb>/usr/var/lib/lxc; then dlopen(RTLD_NOW),
 * dlsym() of the 7 required and 2 optional entry points in the core's order,
 * pv_set_pv_instance_fn() with a function that returns NULL (the plugin must
 * never read struct pantavisor; a NULL makes a violation crash loudly) and
 * pv_set_pv_paths_fn() with vlog and the 13 sandbox-rooted path builders:
 *   pv_file(n)                 <sb>/pv/<n>
 *   pv_log(r)                  <sb>/pv/logs/<r>
 *   pv_log_plat(r, p)          <sb>/pv/logs/<r>/<p>
 *   pv_log_file(r, p, n)       <sb>/pv/logs/<r>/<p>/<n>
 *   usrmeta_key(k)             <sb>/pv/user-meta/<k>
 *   usrmeta_plat_key(p, k)     <sb>/pv/user-meta.<p>/<k>
 *   devmeta_key(k)             <sb>/pv/device-meta/<k>
 *   devmeta_plat_key(p, k)     <sb>/pv/device-meta.<p>/<k>
 *   lib_hook(n)                <sb>/lib/pv/hooks_lxc-mount.d/<n>
 *   volumes_plat_file(p, n)    <volumes>/<p>/<n> (opts.volumes)
 *   configs_file(n)            <sb>/configs/<n>
 *   lib_lxc_rootfs_mount()     <sb>/usr/lib/lxc/rootfs
 *   lib_lxc_lxcpath()          <sb>/usr/var/lib/lxc
 * Truncation leaves the truncated path, logs a warning and counts it in
 * path_truncations. In PID 1 mode it then becomes a subreaper and installs
 * the SIGCHLD reaper. Returns NULL on failure (errno set).
 */
struct pvhost *pvhost_load(const struct pvhost_opts *o);

/* Restores SIGCHLD and the subreaper flag, closes the sockets, frees h.
 * Does not dlclose() (Pantavisor never does) nor remove the sandbox. */
void pvhost_unload(struct pvhost *h);

/* True when one of the last PVHOST_LOG_RING vlog lines contains needle. */
bool pvhost_log_contains(struct pvhost *h, const char *needle);
/* Number of those lines containing needle. */
int pvhost_log_count(struct pvhost *h, const char *needle);
/* Waits, on the helpers' log pipe, until a line contains needle. */
bool pvhost_log_wait(struct pvhost *h, const char *needle, int timeout_ms);
void pvhost_log_clear(struct pvhost *h);
/* The injected vlog, for host notes in the same stream (module "pvhost"). */
void pvhost_vlog(char *module, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Bytes of one console or log stream not yet consumed by the tests. */
struct pvhost_stream {
	char buf[16384];
	size_t len;
	bool eof;
};

#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
/*
 * A pool network (core 2026.08) as the core builds it from run.json
 * ("network": { "pool", "hostname" }): mode pool, the hostname and one
 * interface named eth0. The lease (address, gateway, bridge, MAC) is what
 * the core's IPAM hands out; like the core, pvhost_start() copies it into
 * the interface only after pv_validate_container_config(), just before
 * pv_start_container(). The core creates the pool's bridge; a test that
 * uses one creates it itself.
 */
struct pvhost_pool {
	const char *pool;	  /* the pool's name */
	const char *hostname;	  /* NULL: none */
	const char *ipv4_address; /* "a.b.c.d/N" */
	const char *ipv4_gateway; /* dotted, no prefix */
	const char *bridge;
	const char *mac_address;
};
#endif

struct pvhost_plat {
	/* inputs, set by pvhost_plat_init() and then by the caller */
	char name[PV_LXCCLI_NAME_MAX + 1];
	char rev[64];
	char conf[PATH_MAX]; /* passed as conf_file; configs[0] too */
	bool mgmt;	     /* roles = PLAT_ROLE_MGMT */
	const char *group;   /* pv_group name; NULL: no group (p.group NULL) */
	const char *exec;    /* p.exec, NULL unless a legacy init command */
	bool export_;	     /* p.export: validate is called (2026.08) */
	bool automodfw;
	bool std_log;  /* 2026.08 only; ignored with the 2026.01 layout */
	bool no_logfd; /* hand the plugin logfd = -1 (the core may) */
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
	const struct pvhost_pool *pool; /* NULL: p.network NULL */
#endif

	/* what the plugin sees; p.log.lxc_pipe and p.pipefd are the core's */
	struct pv_platform p;
	struct pv_group g;
	char *configs[2];
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
	struct pv_platform_network net; /* p.network when pool is set */
	struct pv_platform_network_iface iface;
#endif

	/* results */
	int validate_ret; /* 0 when not called */
	int start_ret;
	pid_t pid;	      /* > 0 once the pid arrived */
	pid_t pid_value;      /* raw value read, 0 when nothing was read */
	bool pid_read;	      /* the one read() has happened */
	bool pid_eof;	      /* the pipe closed with nothing written */
	int console_ret;      /* pv_console_log_getfd() result */
	int console_fd;	      /* == p.log.console_pt, -1 none */
	int tty_fd;	      /* == p.log.console_tty, -1 none */
	bool stop_called;     /* pv_stop_container() was called */
	bool killed;	      /* SIGKILL was needed after the grace */
	double start_t0_ms;   /* monotonic time start was called */
	double start_call_ms; /* time inside pv_start_container() */
	double pid_ms;	      /* start call until the pid was read */
	double stop_call_ms;  /* time inside pv_stop_container() */
	double stop_gone_ms;  /* stop returned until init gone */

	struct pvhost_stream console;
	struct pvhost_stream log;
};

/*
 * Defaults like a core platform: rev "0", group "platform", automodfw and
 * std_log on, app role, every fd -1. name and conf are copied (name is cut
 * to PV_LXCCLI_NAME_MAX; -1/ENAMETOOLONG if either does not fit).
 */
int pvhost_plat_init(struct pvhost_plat *pl, const char *name,
		     const char *conf);

/*
 * The core's start: log pipe, pv_set_pv_conf_loglevel_fn(),
 * pv_set_pv_conf_capture_fn(), pv_validate_container_config() when export_
 * or a pool is set and the plugin has it (non-zero refuses the start:
 * returns that value, no pid pipe made), the pool's lease copied into its
 * interface, pid pipe, then the timed pv_start_container(p, rev,
 * conf, log_wr, pid_wr). Both pipes are pipe2(O_NONBLOCK|O_CLOEXEC). When
 * start returns 0 the host closes its pid_wr at once; log_wr stays open
 * until pvhost_stop(). Returns the start result (or -1 if a pipe failed).
 */
int pvhost_start(struct pvhost *h, struct pvhost_plat *pl);

/*
 * Waits up to timeout_ms for the pid pipe, then does ONE read() of
 * sizeof(pid_t), like the core. Returns the pid (> 0), -1 when the plugin
 * reported failure (value <= 0, a short read, or EOF: pid_eof), 0 with
 * errno ETIMEDOUT when nothing came. p.init_pid is set to the value read.
 * On pid > 0 it calls pv_console_log_getfd(p, &p->log) and records
 * console_fd / tty_fd (-1 when it returns -1); the console fd is made
 * non-blocking as the core's log server does. Later calls return the
 * recorded result without reading again.
 */
pid_t pvhost_wait_pid(struct pvhost *h, struct pvhost_plat *pl, int timeout_ms);

/*
 * Reads console (PTY master) or LXC log pipe output: first what earlier
 * waits left unconsumed, else one read after polling up to timeout_ms.
 * Returns bytes, 0 at EOF (EIO on a PTY master counts as EOF), -1 with
 * errno ETIMEDOUT on timeout or EBADF when there is no such fd.
 */
ssize_t pvhost_read_console(struct pvhost_plat *pl, char *buf, size_t size,
			    int timeout_ms);
ssize_t pvhost_read_log(struct pvhost_plat *pl, char *buf, size_t size,
			int timeout_ms);

/*
 * Accumulates output until it contains needle or timeout_ms pass. On a match
 * everything up to the end of the needle is consumed, so a later wait only
 * sees newer output. Returns false on timeout or EOF.
 */
bool pvhost_console_wait_for(struct pvhost_plat *pl, const char *needle,
			     int timeout_ms);
bool pvhost_log_wait_for(struct pvhost_plat *pl, const char *needle,
			 int timeout_ms);

/*
 * The core's stop: close console_tty, console_pt, both log pipe ends and
 * what is left of the pid pipe; if p.init_pid <= 0 return 0 without calling
 * the plugin; else time pv_stop_container(p, NULL), then wait up to
 * PVHOST_STOP_GRACE_MS, counted from when the call returned, for
 * kill(pid, 0) to fail; if it still succeeds send SIGKILL (*killed = 1,
 * killed may be NULL) and wait up to 2 s more for it to go so no container
 * outlives the test. Returns 0 if init went away by itself, -1 otherwise.
 */
int pvhost_stop(struct pvhost *h, struct pvhost_plat *pl, int *killed);

/* ---- utilities ---- */

double pvhost_now_ms(void); /* CLOCK_MONOTONIC */
/*
 * Marks every fd >= low close-on-exec: close_range() where the kernel and
 * headers have it, else a raw walk of /proc/self/fd. Safe between fork and
 * exec (no malloc).
 */
void pvhost_cloexec_from(int low);
/* Open fds of this process, not counting the one used to list them. */
int pvhost_count_fds(void);
/* Open fds of process pid (this one: as above); -1 if it is gone. */
int pvhost_count_fds_of(pid_t pid);
/*
 * Processes whose parent is this process (from /proc/<pid>/stat), but for
 * the plugin's helper forker, which lives as long as the plugin is loaded
 * ("pv_lxccli-helper - forker"; see pvhost_forker_pid), and with the
 * forker's children, but for its spare ("pv_lxccli-helper - spare"), the
 * child that waits for the next job.
 */
int pvhost_count_children(void);
/* The pid of the live forker that is this process's child, 0 if there is
 * none, -1 if there are several (one has leaked). */
pid_t pvhost_forker_pid(void);
/* The pid of a spare of that forker, 0 if there is none now. */
pid_t pvhost_spare_pid(void);
/*
 * 0 once no child is a zombie, -1 after timeout_ms: the host reaps on
 * SIGCHLD, a moment after the exit. A helper forker of a fork of the host
 * ends after its spare, and is the host's child by then.
 */
int pvhost_wait_reaped(int timeout_ms);
/* The same, only those in state Z. */
int pvhost_count_zombie_children(void);
/*
 * Waits until at most max_live non-zombie children are left. Right after a
 * stop, the LXC monitor (a child in PID 1 mode, as a subreaper inherits it)
 * and the plugin's helpers live on for some milliseconds; tests that count
 * children wait for them with this. 0, or -1 with ETIMEDOUT.
 */
int pvhost_wait_children(int max_live, int timeout_ms);

/*
 * Builds a busybox rootfs in dir (created if missing, may already exist):
 * bin/busybox copied from /bin/busybox (busybox-static), one symlink to
 * /bin/busybox per applet of "busybox --list-full", empty proc sys dev tmp
 * run folders, etc/passwd and etc/group for root, and init_script (NULL:
 * PVHOST_TEST_INIT) as PVHOST_TEST_INIT_PATH, mode 0755.
 */
int pvhost_make_rootfs(const char *dir, const char *init_script);

/*
 * Writes (atomically) a minimal platform config for stock LXC 5:
 *   lxc.rootfs.path = dir:<rootfs>
 *   lxc.init.cmd = <init_cmd, NULL: PVHOST_TEST_INIT_PATH>
 *   lxc.net.0.type = empty
 *   lxc.mount.auto = proc:mixed sys:mixed
 *   lxc.signal.halt = PVHOST_TEST_HALT_SIGNAL
 *   lxc.tty.max = 0
 *   lxc.pty.max = 4
 * followed by extra_lines verbatim (may be NULL; a final newline is added
 * when missing). No lxc.uts.name: the plugin adds the platform name.
 */
int pvhost_write_lxc_conf(const char *path, const char *rootfs,
			  const char *init_cmd, const char *extra_lines);

/* mkdir -p: every missing folder of path, with mode; 0 or -1 (errno). */
int pvhost_mkdir_p(const char *path, mode_t mode);
/* Removes a tree without crossing mount points; refuses "" and "/". */
int pvhost_rm_rf(const char *path);

/* ---- a platform folder as a revision holds it ---- */

#define PVHOST_REV_MOUNTS 16

/*
 * What the core has done before it starts a platform of a revision, for a
 * folder with run.json, the LXC config run.json names (default
 * lxc.container.conf), root.squashfs and optionally _config/ (the
 * platform's config overlay).
 */
struct pvhost_rev {
	char dir[PATH_MAX];
	char name[PV_LXCCLI_NAME_MAX + 1]; /* run.json "name" */
	char group[64];			   /* run.json "group", "" none */
	bool mgmt;			   /* run.json "roles" has "mgmt" */
	bool export_;			   /* run.json has "exports" */
	char conf[PATH_MAX];		   /* the LXC config, conf_file */
	char volumes[PATH_MAX];		   /* <sandbox>/volumes/<name> */
	char configs[PATH_MAX];		   /* the copied overlay, "" none */
	char mounts[PVHOST_REV_MOUNTS][PATH_MAX];
	int n_mounts;
};

/*
 * Reads run.json, loop-mounts root.squashfs read-only at
 * <h->volumes>/<name>/root.squashfs (a folder then, the rootfs's lower layer, where
 * a pvr config points), mounts each "storage" volume of run.json at
 * <volumes>/<volume>: a tmpfs for persistence "boot" (lxc-overlay: LXC
 * makes upper and its work folder there), a folder otherwise; copies
 * _config/ to <sandbox>/configs/<name>. 0, or -1 with everything undone.
 */
int pvhost_rev_prepare(struct pvhost *h, const char *dir,
		       struct pvhost_rev *r);
/* Undoes pvhost_rev_prepare(): unmounts in reverse, removes the copy. */
void pvhost_rev_undo(struct pvhost_rev *r);

/*
 * Makes a platform folder as pvr would, from busybox (mksquashfs needed):
 * root.squashfs with the test init, Debian's var/run -> /run and
 * etc/resolv.conf -> ../run/resolv.conf; run.json (group platform,
 * lxc-overlay boot); lxc.container.conf from pvr's template with its
 * volumes at <volumes>/<name>. 0, or -1 (logged).
 */
int pvhost_make_platform(const char *dir, const char *name,
			 const char *volumes);

/* ---- for the test suites ---- */

/* A whole file, NUL-terminated, in a buffer the caller frees; NULL. */
char *pvhost_read_file(const char *path);
/*
 * False, with a SKIP line naming the suite and what it lacks, unless this
 * is root with stock LXC and busybox-static (and mksquashfs if asked).
 */
bool pvhost_can_run_lxc(const char *suite, bool squashfs);
/* The major version lxc-start --version prints, 0 if it prints none. */
int pvhost_lxc_major(void);
/* pvhost_unload(), then the sandbox removed if pvhost_load() made it. */
void pvhost_unload_clean(struct pvhost *h);

#endif /* PVHOST_H */
