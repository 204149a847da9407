// SPDX-License-Identifier: MIT
/*
 * bench: the plugin against raw LXC, side by side in one run.
 *
 * One busybox platform (PVHOST_TEST_INIT, which traps the halt signal) is
 * started and stopped in interleaved rounds, raw LXC then the plugin, so a
 * load that comes and goes on the machine hits both sides alike. The rounds
 * run for each heap size in turn, the heap made once per size, in blocks of
 * one kind (see rounds_at()); a ratio compares a plugin column with the raw
 * rounds of its own block:
 *
 * - start to pid. Raw: `lxc-start -n -P -f -d` on the very config the plugin
 *   generated (PV_LXCCLI_RUNDIR/<name>/config) under another name, with
 *   `-s lxc.console.path=none` (the PTY line is the plugin's) and the cgroup
 *   folders renamed after the raw container so the two never share one;
 *   then `lxc-info -p -H` until it prints the pid. Plugin: the
 *   pv_start_container() call until the pid is read from the pipe.
 * - blocking: time inside pv_start_container() and pv_stop_container(); the
 *   raw column shows what a caller running `lxc-start -d` and `lxc-stop -t`
 *   itself would block for.
 * - stop to exit. Raw: `lxc-stop -n -P --rcfile CONFIG -t 30` is launched
 *   and init is watched until kill(pid, 0) fails (lxc-stop waits as well, but
 *   only the init matters). Plugin: the pv_stop_container() call until init
 *   is gone, as pvhost measures it. Both watch init the same way: a pidfd
 *   poll until it exits, then a 1 ms tick until its reaper (LXC's monitor)
 *   has reaped it.
 * - ten at once: ten platforms until all ten pids are known. Raw: ten
 *   `lxc-start -d` launched concurrently, each followed by its `lxc-info`
 *   as soon as it returns. Plugin: ten pvhost_start() back to back, then
 *   every pid.
 * - the size of the stripped plugin.
 *
 * The host runs in PID 1 mode (subreaper and a SIGCHLD reaper, as core
 * 2026.08): the LXC monitors of both sides become its children. Between two
 * measurements it waits until every child (monitors, the plugin's helpers,
 * lxc-stop) has exited, so one side's clean-up never runs into the other's
 * measurement, and before a stop it waits until init has trapped the halt
 * signal (see init_ready()); neither wait is in a figure. The tools are
 * watched through pidfds, not waitpid(), because the reaper may get to them
 * first; their exit status is then unknown and the output decides.
 *
 * - the host's heap: every plugin figure is taken with the host holding a
 *   touched heap of 0, 64 and 256 MB (-H), interleaved with the raw side
 *   (whose tools the bench starts with posix_spawn, so they cost the same
 *   whatever the heap): a core that forks pays for its page tables.
 * - a 10 MB platform config (comment lines after the usual ones): time
 *   inside pv_start_container, without a heap.
 * - the memory of the helpers that outlive the call, the start helper that
 *   stays as LXC's log relay, the stop helper, the forker and its spare:
 *   VmRSS + VmPTE from /proc/<pid>/status, sampled after the rounds, at
 *   every heap size.
 *
 * The first start of a process is the median of FIRST_STARTS fresh
 * processes (the bench runs itself with -F), each timed once the forker its
 * load started has exec'd, as it has on a device by then.
 *
 * Everything it starts is named bench* and lives below BENCH_DIR; it never
 * looks at other containers. A failed or interrupted run keeps BENCH_DIR
 * (host.log: the plugin's log; tools.log: stderr of the raw tools).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pvhost.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define BENCH_DIR "/tmp/pv-bench"
#define BENCH_LOCK "/tmp/pv-bench.lock"
#define BENCH_SANDBOX BENCH_DIR "/sb"
/* pvhost's lib_lxc_lxcpath() in that sandbox */
#define BENCH_LXCPATH BENCH_SANDBOX "/usr/var/lib/lxc"
#define TEN 10
#define ROUNDS_DEFAULT 20
#define ROUNDS_MAX 1000
#define START_DEADLINE_MS 30000
#define STOP_DEADLINE_MS 40000 /* lxc-stop -t 30, and some */
#define SETTLE_MS 15000
#define INFO_TRIES 200
#define READY_MS 10000

/* Targets of the issues (13: the event loop pays nothing). */
#define T_START_RATIO 1.05
#define T_IN_START_MS 0.5
#define T_IN_STOP_MS 0.3
#define T_HEAP_RATIO 1.5 /* largest heap, and 10 MB config, to plain */
#define T_STOP_RATIO 1.05
#define T_TEN_RATIO 1.10
#define T_HELPER_KB 1024
#define T_SO_KIB 48.0
#define HEAPS_MAX 4
#define BIG_CONF_MB 10
#define FIRST_STARTS 5 /* fresh processes, each timed at its first start */

static volatile sig_atomic_t interrupted;
static int tools_log = -1; /* stderr of every tool run by the bench */
static char lxcpath[] = BENCH_LXCPATH;

/* ---------------------------------------------------------- utilities */

static void close_fd(int *fd)
{
	int saved = errno;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved;
}

static int ms_left(double deadline)
{
	double left = deadline - pvhost_now_ms();

	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left + 1;
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* ------------------------------------------------------- running tools */

/*
 * One tool run: exits are seen on a pidfd; stdout is kept when captured,
 * stderr goes to the tools log so a failure can be looked at afterwards.
 */
struct proc {
	pid_t pid;
	int pidfd;  /* -1 once finished */
	int out;    /* stdout pipe, -1 when not captured or at EOF */
	int status; /* waitpid status, -1 when reaped by the PID 1 reaper */
	char buf[512];
	size_t len;
};

static void proc_init(struct proc *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->pidfd = -1;
	p->out = -1;
	p->status = -1;
}

static int proc_spawn(struct proc *p, char *const argv[], bool capture)
{
	int out[2] = { -1, -1 };

	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	pid_t pid;
	int err;

	proc_init(p);
	if (capture && pipe2(out, O_CLOEXEC) < 0)
		return -1;
	/* not fork(): the raw side must not pay for the bench's heap */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (capture)
		posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
						 O_WRONLY, 0);
	if (tools_log >= 0)
		posix_spawn_file_actions_adddup2(&fa, tools_log, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
						 O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (err) {
		close_fd(&out[0]);
		close_fd(&out[1]);
		errno = err;
		return -1;
	}
	p->pid = pid;
	close_fd(&out[1]);
	p->out = out[0];
	if (p->out >= 0)
		fcntl(p->out, F_SETFL, O_NONBLOCK);
	p->pidfd = pidfd_open(p->pid);
	/* ESRCH: it exited and the reaper took it before the pidfd */
	return 0;
}

static void proc_read(struct proc *p)
{
	ssize_t n;

	while (p->out >= 0) {
		char *at = p->buf + p->len;
		size_t room = sizeof(p->buf) - 1 - p->len;
		char sink[256];

		n = read(p->out, room ? at : sink, room ? room : sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&p->out);
			return;
		}
		if (room) {
			p->len += (size_t)n;
			p->buf[p->len] = '\0';
		}
	}
}

/* The process has exited: takes its output and reaps it if still ours. */
static void proc_finish(struct proc *p)
{
	int st;

	proc_read(p);
	close_fd(&p->out);
	close_fd(&p->pidfd);
	if (waitpid(p->pid, &st, WNOHANG) == p->pid)
		p->status = st;
}

static bool proc_running(const struct proc *p)
{
	return p->pidfd >= 0;
}

/* Runs a tool to its end; false on a timeout (it is then killed). */
static bool run_sync(char *const argv[], struct proc *p, int timeout_ms)
{
	double deadline = pvhost_now_ms() + timeout_ms;

	if (proc_spawn(p, argv, true) < 0)
		return false;
	while (proc_running(p)) {
		struct pollfd fds[2] = { { p->pidfd, POLLIN, 0 },
					 { p->out, POLLIN, 0 } };
		int r = poll(fds, 2, ms_left(deadline));

		if (r < 0 && errno != EINTR)
			break;
		if (r == 0) {
			kill(p->pid, SIGKILL);
			proc_finish(p);
			return false;
		}
		if (fds[1].revents)
			proc_read(p);
		if (fds[0].revents)
			proc_finish(p);
	}
	proc_finish(p);
	return true;
}

static bool exited_zero(const struct proc *p)
{
	return p->status != -1 && WIFEXITED(p->status) &&
	       WEXITSTATUS(p->status) == 0;
}

static bool exited_nonzero(const struct proc *p)
{
	return p->status != -1 && !exited_zero(p);
}

/* The bare pid `lxc-info -p -H` prints, or -1. */
static pid_t parse_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	return errno || end == s || *end || v <= 0 || v > INT_MAX ? -1
								  : (pid_t)v;
}

/*
 * Waits until init has trapped the halt signal. The test init is a shell
 * script, and PID 1 ignores a signal it has no handler for: a stop sent
 * between exec and its `trap` line would be lost, and on a loaded machine
 * that window lasts several milliseconds after the pid is known. Nothing
 * signals the moment a handler is installed, so this looks at SigCgt in
 * /proc/<pid>/status on a 1 ms tick; it runs between the measurements, for
 * both sides alike.
 */
static bool init_ready(pid_t pid, int timeout_ms)
{
	unsigned long long bit = 1ULL << (SIGUSR1 - 1);
	double deadline = pvhost_now_ms() + timeout_ms;
	char path[64], line[256];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	for (;;) {
		unsigned long long caught = 0;
		FILE *f = fopen(path, "re");

		if (!f)
			break; /* gone: the stop will say so */
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "SigCgt: %llx", &caught) == 1)
				break;
		fclose(f);
		if (caught & bit)
			return true;
		if (ms_left(deadline) == 0)
			break;
		poll(NULL, 0, 1);
	}
	fprintf(stderr, "bench: init %d did not trap %s in %d ms\n", (int)pid,
		PVHOST_TEST_HALT_SIGNAL, timeout_ms);
	return false;
}

/* ------------------------------------------------------------ raw LXC */

enum stage { IDLE, STARTING, INFO, UP, STOPPING, FAILED };

struct raw {
	char name[32];
	char config[PATH_MAX]; /* the plugin's generated config */
	char set_cg[96];       /* -s lxc.cgroup.dir.container=... */
	char set_mon[96];      /* -s lxc.cgroup.dir.monitor=... */
	enum stage stage;
	struct proc tool;
	pid_t pid;
	int init_fd;	 /* pidfd of init during the stop */
	bool exited;	 /* init exited, its reaper may not have reaped it */
	bool gone;	 /* kill(pid, 0) says ESRCH */
	double t0;	 /* when its lxc-start or lxc-stop was launched */
	double start_ms; /* lxc-start -d run time */
	double stop_ms;	 /* lxc-stop run time */
	double pid_ms;	 /* launch until the pid is known */
	double gone_ms;	 /* lxc-stop launched until init is gone */
	int tries;
};

static void raw_init(struct raw *r, const char *name, const char *plugin_name)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->config, sizeof(r->config), "%s/%s/config", PV_LXCCLI_RUNDIR,
		 plugin_name);
	snprintf(r->set_cg, sizeof(r->set_cg),
		 "lxc.cgroup.dir.container=lxc/%s", name);
	snprintf(r->set_mon, sizeof(r->set_mon),
		 "lxc.cgroup.dir.monitor=lxc.monitor.%s", name);
	proc_init(&r->tool);
	r->init_fd = -1;
}

static int raw_launch_start(struct raw *r)
{
	char *argv[] = { "lxc-start", "-n",	 r->name,
			 "-P",	      lxcpath,	 "-f",
			 r->config,   "-s",	 "lxc.console.path=none",
			 "-s",	      r->set_cg, "-s",
			 r->set_mon,  "-d",	 NULL };

	r->stage = STARTING;
	r->t0 = pvhost_now_ms();
	return proc_spawn(&r->tool, argv, false);
}

static int raw_launch_info(struct raw *r)
{
	char *argv[] = { "lxc-info", "-n", r->name, "-P",
			 lxcpath,    "-p", "-H",    NULL };

	r->stage = INFO;
	r->tries++;
	return proc_spawn(&r->tool, argv, true);
}

static int raw_launch_stop(struct raw *r)
{
	char *argv[] = { "lxc-stop", "-n",	r->name, "-P", lxcpath,
			 "--rcfile", r->config, "-t",	 "30", NULL };

	r->stage = STOPPING;
	r->t0 = pvhost_now_ms();
	return proc_spawn(&r->tool, argv, false);
}

/* Moves one raw container on once its tool has exited. */
static void raw_tool_done(struct raw *r)
{
	double now = pvhost_now_ms();

	proc_finish(&r->tool);
	switch (r->stage) {
	case STARTING:
		r->start_ms = now - r->t0;
		if (exited_nonzero(&r->tool)) {
			fprintf(stderr,
				"bench: lxc-start of '%s' failed (see "
				"%s/tools.log)\n",
				r->name, BENCH_DIR);
			r->stage = FAILED;
		} else if (raw_launch_info(r) < 0) {
			r->stage = FAILED;
		}
		break;
	case INFO:
		r->pid = parse_pid(r->tool.buf);
		if (r->pid > 0) {
			r->pid_ms = now - r->t0;
			r->stage = UP;
		} else if (r->tries >= INFO_TRIES || raw_launch_info(r) < 0) {
			fprintf(stderr,
				"bench: no pid for '%s' from lxc-info\n",
				r->name);
			r->stage = FAILED;
		}
		break;
	case STOPPING:
		r->stop_ms = now - r->t0;
		break;
	default:
		break;
	}
}

/*
 * Starts n raw containers concurrently, each followed by its lxc-info as
 * soon as its lxc-start has returned. Returns the time until every pid was
 * known, or -1.
 */
static double raw_start(struct raw *r, int n)
{
	double t0 = pvhost_now_ms(), deadline = t0 + START_DEADLINE_MS;
	int busy = n;

	for (int k = 0; k < n; k++)
		if (raw_launch_start(&r[k]) < 0)
			return -1;
	while (busy) {
		struct pollfd fds[2 * TEN];
		int who[2 * TEN], m = 0, rc;
		bool moved[TEN] = { false };

		busy = 0;
		for (int k = 0; k < n; k++) {
			struct proc *p = &r[k].tool;

			if (r[k].stage == FAILED)
				return -1;
			if (r[k].stage != STARTING && r[k].stage != INFO)
				continue;
			if (p->pidfd < 0) { /* reaped before its pidfd */
				raw_tool_done(&r[k]);
				k--; /* again, in its next stage */
				continue;
			}
			busy++; /* only with an fd to wait on: see poll() */
			fds[m] = (struct pollfd){ p->pidfd, POLLIN, 0 };
			who[m++] = k;
			if (p->out >= 0) {
				fds[m] = (struct pollfd){ p->out, POLLIN, 0 };
				who[m++] = k;
			}
		}
		if (!busy)
			break;
		rc = poll(fds, m, ms_left(deadline));
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc == 0) {
			fprintf(stderr, "bench: raw start timed out\n");
			return -1;
		}
		for (int i = 0; i < m; i++) {
			struct raw *x = &r[who[i]];

			/* after a tool's end, the next tool may hold its fds'
			 * numbers: its entries wait for the next poll */
			if (!fds[i].revents || !proc_running(&x->tool) ||
			    moved[who[i]])
				continue;
			if (fds[i].fd == x->tool.out) {
				proc_read(&x->tool);
				continue;
			}
			raw_tool_done(x);
			moved[who[i]] = true;
		}
	}
	return pvhost_now_ms() - t0;
}

/*
 * Stops n raw containers concurrently; waits until every init is gone and
 * every lxc-stop has returned. Returns 0, or -1 if that took too long.
 */
static int raw_stop(struct raw *r, int n)
{
	double deadline = pvhost_now_ms() + STOP_DEADLINE_MS;
	int busy = n;

	for (int k = 0; k < n; k++) {
		r[k].exited = r[k].gone = false;
		r[k].init_fd = r[k].pid > 0 ? pidfd_open(r[k].pid) : -1;
		if (r[k].init_fd < 0)
			r[k].exited = true; /* already gone, or never up */
	}
	for (int k = 0; k < n; k++) {
		if (raw_launch_stop(&r[k]) < 0) {
			fprintf(stderr, "bench: cannot run lxc-stop: %s\n",
				strerror(errno));
			return -1;
		}
		/* reaped before its pidfd: its time is taken now */
		if (r[k].tool.pidfd < 0)
			raw_tool_done(&r[k]);
	}
	while (busy) {
		struct pollfd fds[2 * TEN];
		int who[2 * TEN], m = 0, rc, timeout;
		bool ticking = false;

		busy = 0;
		for (int k = 0; k < n; k++) {
			struct raw *x = &r[k];

			if (!x->gone && (x->pid <= 0 || (kill(x->pid, 0) < 0 &&
							 errno == ESRCH))) {
				x->gone = true;
				x->gone_ms = pvhost_now_ms() - x->t0;
			}
			if (!x->gone && x->exited)
				ticking = true;
			if (!x->gone && !x->exited) {
				fds[m] = (struct pollfd){ x->init_fd, POLLIN,
							  0 };
				who[m++] = k;
			}
			if (proc_running(&x->tool)) {
				fds[m] = (struct pollfd){ x->tool.pidfd, POLLIN,
							  0 };
				who[m++] = k;
			}
			if (!x->gone || proc_running(&x->tool))
				busy++;
		}
		if (!busy)
			break;
		timeout = ms_left(deadline);
		if (timeout == 0) {
			fprintf(stderr, "bench: raw stop timed out\n");
			for (int k = 0; k < n; k++)
				close_fd(&r[k].init_fd);
			return -1;
		}
		/* an exited init stays visible until LXC's monitor reaps it */
		rc = poll(fds, m, ticking && timeout > 1 ? 1 : timeout);
		if (rc < 0 && errno != EINTR)
			break;
		for (int i = 0; rc > 0 && i < m; i++) {
			struct raw *x = &r[who[i]];

			if (!fds[i].revents)
				continue;
			if (fds[i].fd == x->init_fd)
				x->exited = true;
			else if (proc_running(&x->tool))
				raw_tool_done(x);
		}
	}
	for (int k = 0; k < n; k++) {
		close_fd(&r[k].init_fd);
		r[k].stage = IDLE;
		r[k].pid = 0;
	}
	return 0;
}

/* Kills a raw container left by an earlier, interrupted run. */
static void raw_kill_leftover(const char *name)
{
	char *argv[] = { "lxc-stop", "-n", (char *)name, "-P",
			 lxcpath,    "-k", NULL };
	struct proc p;

	run_sync(argv, &p, 10000);
}

/* ---------------------------------------------------------- statistics */

struct series {
	double *v;
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void series_add(struct series *s, double v)
{
	s->v[s->n++] = v;
}

/* min, median, max; the series is sorted in place. */
static void series_stats(struct series *s, double out[3])
{
	qsort(s->v, (size_t)s->n, sizeof(double), cmp_double);
	out[0] = s->v[0];
	out[1] = s->n % 2 ? s->v[s->n / 2]
			  : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
	out[2] = s->v[s->n - 1];
}

enum fig {
	F_START,
	F_IN_START,
	F_IN_STOP,
	F_STOP,
	F_TEN,
	F_IN_START_BIG, /* plugin only, 10 MB config, no heap */
	F_MEM_RELAY,	/* plugin only, kB */
	F_MEM_STOP,
	F_MEM_FORKER,
	F_MEM_SPARE,
	F_COUNT
};

enum target_kind {
	TK_RATIO,    /* plugin/raw at every heap */
	TK_CALL,     /* plain figure, and the largest heap's ratio to it */
	TK_BIG,	     /* ratio to the plain inside-start figure */
	TK_MEM,	     /* at the largest heap */
};

static const struct {
	const char *what;
	enum target_kind kind;
	double target;
	const char *target_text;
} figs[F_COUNT] = {
	[F_START] = { "start to pid (ms)", TK_RATIO, T_START_RATIO,
		      "ratio <= 1.05" },
	[F_IN_START] = { "inside start (ms)", TK_CALL, T_IN_START_MS,
			 "<= 0.5, x1.5" },
	[F_IN_STOP] = { "inside stop (ms)", TK_CALL, T_IN_STOP_MS,
			"<= 0.3, x1.5" },
	[F_STOP] = { "stop to exit (ms)", TK_RATIO, T_STOP_RATIO,
		     "ratio <= 1.05" },
	[F_TEN] = { "ten at once, to all pids (ms)", TK_RATIO, T_TEN_RATIO,
		    "ratio <= 1.10" },
	[F_IN_START_BIG] = { "inside start, 10 MB config", TK_BIG,
			     T_HEAP_RATIO, "x1.5 of plain" },
	[F_MEM_RELAY] = { "relay VmRSS+VmPTE (kB)", TK_MEM, T_HELPER_KB,
			  "<= 1024 kB" },
	[F_MEM_STOP] = { "stop helper VmRSS+VmPTE (kB)", TK_MEM, T_HELPER_KB,
			 "<= 1024 kB" },
	[F_MEM_FORKER] = { "forker VmRSS+VmPTE (kB)", TK_MEM, T_HELPER_KB,
			   "<= 1024 kB" },
	[F_MEM_SPARE] = { "spare VmRSS+VmPTE (kB)", TK_MEM, T_HELPER_KB,
			  "<= 1024 kB" },
};

/* ------------------------------------------------------- the machine */

static void first_line_of(const char *path, const char *key, char *out,
			  size_t size)
{
	char line[512];
	FILE *f = fopen(path, "re");

	snprintf(out, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		if (key && strncmp(line, key, strlen(key)))
			continue;
		colon = key ? strchr(line, ':') : NULL;
		snprintf(out, size, "%s", colon ? colon + 2 : line);
		out[strcspn(out, "\n")] = '\0';
		break;
	}
	fclose(f);
}

static bool print_machine(void)
{
	char *argv[] = { "lxc-start", "--version", NULL };
	char cpu[256], load[128];
	struct utsname u;
	struct proc p;

	if (!run_sync(argv, &p, 10000) || !p.len) {
		fprintf(stderr,
			"bench: 'lxc-start --version' gave nothing: "
			"is stock LXC installed? (apt-get install lxc)\n");
		return false;
	}
	p.buf[strcspn(p.buf, "\n")] = '\0';
	uname(&u);
	first_line_of("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	first_line_of("/proc/loadavg", NULL, load, sizeof(load));
	printf("machine: kernel %s %s, CPU %s, nproc %ld, LXC %s\n", u.release,
	       u.machine, cpu, sysconf(_SC_NPROCESSORS_ONLN), p.buf);
	printf("load average at start: %s\n", load);
	return true;
}

/* Size of a stripped copy of the plugin, or -1. */
static long stripped_size(const char *plugin)
{
	char out[PATH_MAX];
	char *argv[] = {
		"strip", "--strip-all", "-o", out, (char *)plugin, NULL
	};
	struct stat st;
	struct proc p;

	snprintf(out, sizeof(out), "%s/pv_lxccli.stripped.so", BENCH_DIR);
	unlink(out);
	if (!run_sync(argv, &p, 30000) || exited_nonzero(&p) ||
	    stat(out, &st) < 0) {
		fprintf(stderr, "bench: 'strip' failed on '%s'\n", plugin);
		return -1;
	}
	return (long)st.st_size;
}

/* ------------------------------------------------------------ the run */

struct bench {
	struct pvhost *h;
	struct pvhost_plat one, ten[TEN], big;
	struct raw rone, rten[TEN];
	int heaps[HEAPS_MAX], n_heaps; /* MB, as given by -H */
	/* [figure][0 raw, 1 + k plugin at heaps[k]] */
	struct series s[F_COUNT][1 + HEAPS_MAX];
	/* [figure][k]: the raw rounds interleaved with plugin column k */
	struct series raw_at[F_COUNT][HEAPS_MAX];
	struct series first; /* one first start per fresh process */
	double first_v[FIRST_STARTS];
	const char *plugin;
	int loglevel;
	bool capture;
};

/* ---- the host's heap */

static char *heap;
static size_t heap_len;

/*
 * A heap of mb MB, every page touched, in 4 KiB pages as a core's malloc
 * arena would be (no transparent huge pages): what fork() has to copy the
 * page tables of.
 */
static bool set_heap(int mb)
{
	size_t len = (size_t)mb << 20;

	if (len == heap_len)
		return true;
	if (heap)
		munmap(heap, heap_len);
	heap = NULL;
	heap_len = 0;
	if (!len)
		return true;
	heap = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap == MAP_FAILED) {
		heap = NULL;
		fprintf(stderr, "bench: no %d MB heap: %s\n", mb,
			strerror(errno));
		return false;
	}
	madvise(heap, len, MADV_NOHUGEPAGE);
	memset(heap, 0x5a, len);
	heap_len = len;
	return true;
}

static bool settle(void)
{
	if (pvhost_wait_children(0, SETTLE_MS) == 0)
		return true;
	fprintf(stderr, "bench: children still alive %d s after a stop\n",
		SETTLE_MS / 1000);
	return false;
}

static bool plugin_up(struct bench *b, struct pvhost_plat *pl)
{
	if (pvhost_start(b->h, pl) != 0) {
		fprintf(stderr,
			"bench: plugin start of '%s' failed (see "
			"%s/host.log)\n",
			pl->name, BENCH_DIR);
		return false;
	}
	return true;
}

static bool plugin_pid(struct bench *b, struct pvhost_plat *pl)
{
	if (pvhost_wait_pid(b->h, pl, START_DEADLINE_MS) > 0)
		return true;
	fprintf(stderr,
		"bench: no pid for '%s' from the plugin (see "
		"%s/host.log)\n",
		pl->name, BENCH_DIR);
	return false;
}

static bool plugin_down(struct bench *b, struct pvhost_plat *pl)
{
	int killed = 0;

	if (pl->p.init_pid <= 0 && pl->p.pipefd[0] < 0)
		return true;
	pvhost_stop(b->h, pl, &killed);
	pl->p.init_pid = 0;
	if (killed)
		fprintf(stderr, "bench: '%s' did not halt gracefully\n",
			pl->name);
	return !killed;
}

/* A raw figure, of every column and of column k's block. */
static void raw_add(struct bench *b, int f, int k, double v)
{
	series_add(&b->s[f][0], v);
	series_add(&b->raw_at[f][k], v);
}

/* One platform, raw, in the block of heap column k (-1: not recorded). */
static bool raw_one(struct bench *b, int k)
{
	struct raw *r = &b->rone;

	if (raw_start(r, 1) < 0 || !init_ready(r->pid, READY_MS) ||
	    raw_stop(r, 1) < 0 || !settle())
		return false;
	if (k >= 0) {
		raw_add(b, F_START, k, r->pid_ms);
		raw_add(b, F_IN_START, k, r->start_ms);
		raw_add(b, F_IN_STOP, k, r->stop_ms);
		raw_add(b, F_STOP, k, r->gone_ms);
	}
	return true;
}

/* One platform, plugin, with the host at heap column k (-1: none kept). */
static bool plugin_one(struct bench *b, struct pvhost_plat *pl, int k)
{
	if (!plugin_up(b, pl) || !plugin_pid(b, pl) ||
	    !init_ready(pl->pid, READY_MS) || !plugin_down(b, pl) || !settle())
		return false;
	if (k >= 0 && pl == &b->one) {
		series_add(&b->s[F_START][1 + k], pl->pid_ms);
		series_add(&b->s[F_IN_START][1 + k], pl->start_call_ms);
		series_add(&b->s[F_IN_STOP][1 + k], pl->stop_call_ms);
		series_add(&b->s[F_STOP][1 + k],
			   pl->stop_call_ms + pl->stop_gone_ms);
	} else if (k >= 0) {
		series_add(&b->s[F_IN_START_BIG][1 + k], pl->start_call_ms);
	}
	return true;
}

static bool raw_ten(struct bench *b, int k)
{
	double ms = raw_start(b->rten, TEN);
	bool ok = ms >= 0;

	for (int i = 0; i < TEN && ok; i++)
		ok = init_ready(b->rten[i].pid, READY_MS);
	if (raw_stop(b->rten, TEN) < 0 || !ok || !settle())
		return false;
	if (k >= 0)
		raw_add(b, F_TEN, k, ms);
	return true;
}

static bool plugin_ten(struct bench *b, int k)
{
	double t0 = pvhost_now_ms();
	bool ok = true;

	for (int i = 0; i < TEN && ok; i++)
		ok = plugin_up(b, &b->ten[i]);
	for (int i = 0; i < TEN && ok; i++)
		ok = plugin_pid(b, &b->ten[i]);
	if (k >= 0 && ok)
		series_add(&b->s[F_TEN][1 + k], pvhost_now_ms() - t0);
	for (int i = 0; i < TEN && ok; i++)
		ok = init_ready(b->ten[i].pid, READY_MS);
	for (int i = 0; i < TEN; i++)
		ok = plugin_down(b, &b->ten[i]) && ok;
	return settle() && ok;
}

/* ---- helper memory */

static double median_of(struct series *s)
{
	double v[3];

	if (!s->n)
		return -1;
	series_stats(s, v);
	return v[1];
}


/*
 * The pid of the plugin's helper of kind ("start" or "stop") for name: its
 * argv is { "pv_lxccli-helper", job fd, kind, name }. 0 if none.
 */
static pid_t find_helper(const char *kind, const char *name)
{
	char path[64], buf[256];
	struct dirent *e;
	pid_t found = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		const char *a[4] = { 0 };
		ssize_t n;
		int fd, i = 0;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (ssize_t off = 0; off < n && i < 4;
		     off += (ssize_t)strlen(buf + off) + 1)
			a[i++] = buf + off;
		if (i == 4 && !strcmp(a[0], "pv_lxccli-helper") &&
		    !strcmp(a[2], kind) && !strcmp(a[3], name))
			found = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return found;
}

/* VmRSS + VmPTE in kB, or -1 once the process is gone. */
static long helper_kb(pid_t pid)
{
	char path[64], line[256];
	long rss = -1, pte = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			rss = v;
		else if (sscanf(line, "VmPTE: %ld", &v) == 1)
			pte = v;
	}
	fclose(f);
	return rss < 0 ? -1 : rss + pte;
}

static void (*bench_real_stop)(struct pv_platform *p, char *conf_file);
static long stop_helper_kb;

/*
 * The stop helper lives from the stop call until the container is down;
 * its memory is sampled on a 1 ms tick while it lives and the median kept:
 * what it holds while it waits, not the instant the loader maps libc.
 */
static void stop_and_sample(struct pv_platform *p, char *conf_file)
{
	double deadline, kb[512];
	struct series sv = { kb, 0 };
	pid_t pid;
	long v;

	bench_real_stop(p, conf_file);
	deadline = pvhost_now_ms() + STOP_DEADLINE_MS;
	stop_helper_kb = -1;
	while (!(pid = find_helper("stop", p->name)) &&
	       ms_left(deadline) > STOP_DEADLINE_MS - 1000)
		poll(NULL, 0, 1);
	while (pid && (v = helper_kb(pid)) >= 0 && ms_left(deadline) &&
	       sv.n < 512) {
		series_add(&sv, (double)v);
		poll(NULL, 0, 1);
	}
	stop_helper_kb = sv.n ? (long)median_of(&sv) : -1;
}

/* One more cycle of the platform at heap column k, for the memory only. */
static bool sample_memory(struct bench *b, int k)
{
	struct pvhost_plat *pl = &b->one;
	pid_t relay;
	bool ok;

	if (!plugin_up(b, pl) || !plugin_pid(b, pl) ||
	    !init_ready(pl->pid, READY_MS))
		return false;
	relay = find_helper("start", pl->name);
	/* the helper that lives as long as the plugin, idle between jobs */
	if (pvhost_forker_pid() > 0 && helper_kb(pvhost_forker_pid()) > 0)
		series_add(&b->s[F_MEM_FORKER][1 + k],
			   (double)helper_kb(pvhost_forker_pid()));
	/* and the child it keeps waiting for the next job */
	if (pvhost_spare_pid() > 0 && helper_kb(pvhost_spare_pid()) > 0)
		series_add(&b->s[F_MEM_SPARE][1 + k],
			   (double)helper_kb(pvhost_spare_pid()));
	/* what it holds for the container's life: the last of 20 samples
	 * over 100 ms, once it has set itself up after the pid */
	if (relay > 0) {
		long kb = -1, v;

		for (int i = 0; i < 20 && (v = helper_kb(relay)) >= 0; i++) {
			kb = v;
			poll(NULL, 0, 5);
		}
		if (kb > 0)
			series_add(&b->s[F_MEM_RELAY][1 + k], (double)kb);
	}
	bench_real_stop = b->h->fn.stop;
	b->h->fn.stop = stop_and_sample;
	ok = plugin_down(b, pl);
	b->h->fn.stop = bench_real_stop;
	if (stop_helper_kb > 0)
		series_add(&b->s[F_MEM_STOP][1 + k], (double)stop_helper_kb);
	return settle() && ok;
}

/* ---- the first start of a process */

/*
 * -F: the body of a fresh process that loads the plugin as the bench does,
 * waits for the forker as a core's start-up would, starts and stops
 * bench-pv once and prints the time inside that start. The parent's own
 * first start is its warm-up round: one sample a run is not a median.
 */
static int first_start_child(struct bench *b)
{
	struct pvhost_opts o;
	struct pvhost_plat pl;
	FILE *log = fopen(BENCH_DIR "/first.log", "ae");
	bool ok;

	if (!log)
		return 1;
	pvhost_opts_init(&o, b->plugin);
	o.sandbox = BENCH_SANDBOX;
	o.log = log;
	o.loglevel = b->loglevel;
	o.capture = b->capture;
	b->h = pvhost_load(&o);
	if (!b->h)
		return 1;
	for (int ms = 0; ms < 2000 && pvhost_forker_pid() <= 0 &&
			 !getenv("PV_LXCCLI_FORKER");
	     ms++)
		poll(NULL, 0, 1);
	pvhost_plat_init(&pl, "bench-pv", BENCH_DIR "/lxc.container.conf");
	ok = plugin_up(b, &pl) && plugin_pid(b, &pl) &&
	     init_ready(pl.pid, READY_MS);
	ok = plugin_down(b, &pl) && settle() && ok;
	if (ok)
		printf("%.6f\n", pl.start_call_ms);
	pvhost_unload(b->h);
	fclose(log);
	return ok ? 0 : 1;
}

/* FIRST_STARTS fresh processes, one after the other, without a heap. */
static bool first_starts(struct bench *b)
{
	char level[16], *argv[7];
	struct proc p;
	int n = 0;
	double v;

	snprintf(level, sizeof(level), "%d", b->loglevel);
	argv[n++] = "/proc/self/exe";
	argv[n++] = "-F";
	argv[n++] = "-l";
	argv[n++] = level;
	if (!b->capture)
		argv[n++] = "-c";
	argv[n++] = (char *)b->plugin;
	argv[n] = NULL;
	for (int i = 0; i < FIRST_STARTS && !interrupted; i++) {
		if (!run_sync(argv, &p, START_DEADLINE_MS + SETTLE_MS) ||
		    sscanf(p.buf, "%lf", &v) != 1) {
			fprintf(stderr, "bench: a fresh process's first start "
					"failed (see %s/first.log)\n",
				BENCH_DIR);
			return false;
		}
		series_add(&b->first, v);
	}
	return true;
}

/* ---- the table */

/* Prints one figure's row; returns the number of missed targets (0, 1). */
static int print_fig(struct bench *b, int f)
{
	double raw = median_of(&b->s[f][0]);
	double plain = median_of(&b->s[f == F_IN_START_BIG ? F_IN_START : f][1]);
	int last = b->n_heaps - 1;
	bool pass = true;
	char cell[48];

	printf("| %-29s |", figs[f].what);
	snprintf(cell, sizeof(cell), raw < 0 ? "-" : "%.2f", raw);
	printf(" %-8s |", cell);
	for (int k = 0; k < b->n_heaps; k++) {
		double v = median_of(&b->s[f][1 + k]);
		double ratio = 0;

		if (v < 0) {
			/* no helper of that name: a plugin that forks */
			if (figs[f].kind == TK_MEM && k == last)
				pass = false;
			printf(" %-16s |", "-");
			continue;
		}
		/* to the raw rounds of the same stretch of time */
		if (figs[f].kind == TK_RATIO && median_of(&b->raw_at[f][k]) > 0)
			ratio = v / median_of(&b->raw_at[f][k]);
		else if (plain > 0 && (figs[f].kind == TK_BIG || k > 0))
			ratio = v / plain;
		if (figs[f].kind == TK_MEM)
			snprintf(cell, sizeof(cell), "%.0f", v);
		else if (ratio > 0)
			snprintf(cell, sizeof(cell), "%.2f (%.2f)", v, ratio);
		else
			snprintf(cell, sizeof(cell), "%.3f", v);
		printf(" %-16s |", cell);
		switch (figs[f].kind) {
		case TK_RATIO:
			pass = pass && ratio <= figs[f].target;
			break;
		case TK_CALL:
			if (k == 0)
				pass = pass && v <= figs[f].target;
			if (k == last && k > 0)
				pass = pass && ratio <= T_HEAP_RATIO;
			break;
		case TK_BIG:
			pass = pass && ratio <= figs[f].target;
			break;
		case TK_MEM:
			if (k == last)
				pass = pass && v <= figs[f].target;
			break;
		}
	}
	printf(" %-14s | %-4s |\n", figs[f].target_text, pass ? "pass" : "MISS");
	return !pass;
}

/* Prints the table; returns the number of missed targets. */
static int print_table(struct bench *b, long so_bytes)
{
	double plain = median_of(&b->s[F_IN_START][1]);
	int missed = 0;
	char head[32];

	printf("\nmedians; in parentheses: for ratios, plugin/raw with the raw "
	       "rounds interleaved with that column (the raw column: all of "
	       "them), else the ratio to the plugin's 0 MB (plain) figure\n\n");
	printf("| %-29s | %-8s |", "figure", "raw");
	for (int k = 0; k < b->n_heaps; k++) {
		snprintf(head, sizeof(head), "plugin, %d MB host", b->heaps[k]);
		printf(" %-16s |", head);
	}
	printf(" %-14s | %-4s |\n", "target", "");
	printf("|-------------------------------|----------|");
	for (int k = 0; k < b->n_heaps; k++)
		printf("------------------|");
	printf("----------------|------|\n");
	for (int f = 0; f < F_COUNT; f++)
		missed += print_fig(b, f);
	{
		double first = median_of(&b->first);
		bool pass = plain > 0 && first > 0 &&
			    first <= T_HEAP_RATIO * plain;

		snprintf(head, sizeof(head), "%.3f (%.2f)", first,
			 plain > 0 ? first / plain : 0);
		printf("| %-29s | %-8s | %-16s |", "first start of the process",
		       "-", head);
		for (int k = 1; k < b->n_heaps; k++)
			printf(" %-16s |", "-");
		printf(" %-14s | %-4s |\n", "x1.5 of plain", pass ? "pass" : "MISS");
		missed += !pass;
	}
	if (so_bytes >= 0) {
		double kib = so_bytes / 1024.0;
		bool pass = kib <= T_SO_KIB;

		snprintf(head, sizeof(head), "%.1f KiB", kib);
		printf("| %-29s | %-8s | %-16s |", "stripped .so", "-", head);
		for (int k = 1; k < b->n_heaps; k++)
			printf(" %-16s |", "-");
		printf(" %-14s | %-4s |\n", "<= 48 KiB", pass ? "pass" : "MISS");
		missed += !pass;
	}
	return missed;
}

static void usage(const char *me)
{
	fprintf(stderr,
		"usage: %s [-n ROUNDS] [-s] [-l LEVEL] [-c] [-H MB,MB,..] "
		"PLUGIN.so\n"
		"  -n ROUNDS  rounds of each side (default %d, at most %d)\n"
		"  -s         exit 2 when a target is missed (default: 0)\n"
		"  -l LEVEL   the core's lxc.log.level, 0-8 (default 2)\n"
		"  -c         the core's log.capture off (default on)\n"
		"  -H LIST    the host's heap sizes in MB, at most %d, the "
		"first one the plain figure (default 0,64,256)\n"
		"Runs real LXC containers named bench*: needs root, stock LXC "
		"and busybox-static.\n",
		me, ROUNDS_DEFAULT, ROUNDS_MAX, HEAPS_MAX);
}

static bool parse_heaps(struct bench *b, const char *list)
{
	char *end;

	b->n_heaps = 0;
	for (const char *p = list; *p; p = *end ? end + 1 : end) {
		long v = strtol(p, &end, 10);

		if (end == p || (*end && *end != ',') || v < 0 || v > 65536 ||
		    b->n_heaps == HEAPS_MAX)
			return false;
		b->heaps[b->n_heaps++] = (int)v;
	}
	return b->n_heaps > 0;
}

/* The usual config, then BIG_CONF_MB MB of comment lines. */
static bool write_big_conf(const char *from, const char *to)
{
	char line[128];
	FILE *in = fopen(from, "re"), *out = fopen(to, "we");
	size_t n;
	bool ok = in && out;

	while (ok && (n = fread(line, 1, sizeof(line), in)) > 0)
		ok = fwrite(line, 1, n, out) == n;
	memset(line, 'x', sizeof(line));
	memcpy(line, "# padding ", 10);
	line[sizeof(line) - 1] = '\n';
	for (size_t done = 0; ok && done < ((size_t)BIG_CONF_MB << 20);
	     done += sizeof(line))
		ok = fwrite(line, 1, sizeof(line), out) == sizeof(line);
	if (in)
		fclose(in);
	if (out && fclose(out))
		ok = false;
	return ok;
}

static bool prepare(struct bench *b, const char *plugin, FILE *hostlog,
		    int loglevel, bool capture)
{
	const char *rootfs = BENCH_DIR "/rootfs";
	const char *conf = BENCH_DIR "/lxc.container.conf";
	const char *big = BENCH_DIR "/big/lxc.container.conf";
	struct pvhost_opts o;
	char name[32];

	if (pvhost_make_rootfs(rootfs, NULL) < 0 ||
	    pvhost_write_lxc_conf(conf, rootfs, NULL, NULL) < 0) {
		fprintf(stderr, "bench: cannot build the busybox platform "
				"(apt-get install busybox-static?)\n");
		return false;
	}
	if (mkdir(BENCH_DIR "/big", 0755) < 0 || !write_big_conf(conf, big)) {
		fprintf(stderr, "bench: cannot write '%s'\n", big);
		return false;
	}
	pvhost_opts_init(&o, plugin);
	o.sandbox = BENCH_SANDBOX;
	o.log = hostlog;
	o.loglevel = loglevel;
	o.capture = capture;
	b->h = pvhost_load(&o);
	if (!b->h) {
		fprintf(stderr, "bench: cannot load '%s' (see %s/host.log)\n",
			plugin, BENCH_DIR);
		return false;
	}
	/*
	 * A core parses its state between loading the plugin and its first
	 * start: the forker started at the load has exec'd by then (its
	 * title says so). Without a forker (PV_LXCCLI_FORKER=0), none.
	 */
	for (int ms = 0; ms < 2000 && pvhost_forker_pid() <= 0 &&
			 !getenv("PV_LXCCLI_FORKER");
	     ms++)
		poll(NULL, 0, 1);
	pvhost_plat_init(&b->one, "bench-pv", conf);
	pvhost_plat_init(&b->big, "bench-pvbig", big);
	raw_init(&b->rone, "bench-raw", "bench-pv");
	for (int k = 0; k < TEN; k++) {
		snprintf(name, sizeof(name), "bench-pv%d", k);
		pvhost_plat_init(&b->ten[k], name, conf);
		snprintf(name, sizeof(name), "bench-raw%d", k);
		raw_init(&b->rten[k], name, b->ten[k].name);
	}
	return true;
}

/*
 * With fixed cgroup names LXC 5 refuses to start while lxc.monitor.<name>
 * or lxc/<name> exists, and a failed start leaves them: removes the empty
 * ones of one of our names in every hierarchy (rmdir fails on a busy one).
 */
static void remove_stale_cgroups(const char *name)
{
	static const char *const roots[] = { "/sys/fs/cgroup",
					     "/sys/fs/cgroup/unified" };
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/lxc.monitor.%s", roots[i],
			 name);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/lxc/%s", roots[i], name);
		rmdir(path);
	}
	d = opendir("/sys/fs/cgroup");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/lxc.monitor.%s",
			 e->d_name, name);
		rmdir(path);
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/lxc/%s",
			 e->d_name, name);
		rmdir(path);
	}
	closedir(d);
}

/* Calls fn with every container name the bench uses. */
static void each_name(void (*fn)(const char *name))
{
	char name[32];

	for (int side = 0; side < 2; side++) {
		const char *prefix = side ? "bench-pv" : "bench-raw";

		fn(prefix);
		if (side)
			fn("bench-pvbig");
		for (int k = 0; k < TEN; k++) {
			snprintf(name, sizeof(name), "%s%d", prefix, k);
			fn(name);
		}
	}
}

/* A run that was killed may have left containers: only ours, by name. */
static void kill_leftovers(void)
{
	struct stat st;

	if (stat(BENCH_DIR, &st) == 0) {
		each_name(raw_kill_leftover);
		pvhost_rm_rf(BENCH_DIR);
	}
	each_name(remove_stale_cgroups);
}

static void remove_run_dirs(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bench-pv", PV_LXCCLI_RUNDIR);
	pvhost_rm_rf(path);
	snprintf(path, sizeof(path), "%s/bench-pvbig", PV_LXCCLI_RUNDIR);
	pvhost_rm_rf(path);
	for (int k = 0; k < TEN; k++) {
		snprintf(path, sizeof(path), "%s/bench-pv%d", PV_LXCCLI_RUNDIR,
			 k);
		pvhost_rm_rf(path);
	}
}

/* failed: also kills what may be half started, whose pid is unknown */
static void cleanup(struct bench *b, bool failed)
{
	plugin_down(b, &b->one);
	plugin_down(b, &b->big);
	for (int k = 0; k < TEN; k++)
		plugin_down(b, &b->ten[k]);
	if (failed)
		each_name(raw_kill_leftover);
	settle();
}

/*
 * The rounds at heap column k, in blocks of one kind: the one-platform
 * pairs, the 10 MB config (at 0 MB, the plugin only, after the plugin's
 * one), the ten-platform pairs. Within a pair block raw and the plugin
 * alternate, so each measurement follows one of the other side of the same
 * kind; an unrecorded pair opens each pair block. The heap is made once
 * per size, before its first block: touching 256 MB leaves the kernel work
 * for a while, and that unrecorded pair takes it.
 * (Mixed in one round, a side's start followed the other's ten stops on
 * one side only: the kernel's aftermath of ten containers, on ~every
 * figure, went to one side.)
 */
static bool rounds_at(struct bench *b, int k, int rounds)
{
	bool ok = raw_one(b, -1) && plugin_one(b, &b->one, -1);

	for (int i = 0; ok && i < rounds && !interrupted; i++)
		ok = raw_one(b, k) && plugin_one(b, &b->one, k);
	for (int i = 0; ok && k == 0 && i < rounds && !interrupted; i++)
		ok = plugin_one(b, &b->big, 0);
	ok = ok && raw_ten(b, -1) && plugin_ten(b, -1);
	for (int i = 0; ok && i < rounds && !interrupted; i++)
		ok = raw_ten(b, k) && plugin_ten(b, k);
	return ok;
}

static bool run(struct bench *b, int rounds)
{
	bool ok;

	/* the plugin first: the raw side runs the configs it writes */
	ok = set_heap(b->heaps[0]) && plugin_one(b, &b->one, -1);
	ok = ok && plugin_ten(b, -1) && plugin_one(b, &b->big, -1) &&
	     raw_one(b, -1) && raw_ten(b, -1) && first_starts(b);
	for (int k = 0; ok && k < b->n_heaps && !interrupted; k++)
		ok = set_heap(b->heaps[k]) && rounds_at(b, k, rounds);
	for (int k = 0; ok && k < b->n_heaps && !interrupted; k++)
		ok = set_heap(b->heaps[k]) && sample_memory(b, k);
	set_heap(0);
	return ok;
}

int main(int argc, char **argv)
{
	static struct bench b;
	struct sigaction sa = { .sa_handler = on_signal };
	int rounds = ROUNDS_DEFAULT, opt, lock = -1, missed, ret = 1;
	bool strict = false, ok = true, capture = true, child = false;
	int loglevel = 2; /* the core's defaults: lxc.log.level 2, capture */
	FILE *hostlog = NULL;
	long so_bytes;
	char path[PATH_MAX];
	double t_run;

	parse_heaps(&b, "0,64,256");
	while ((opt = getopt(argc, argv, "n:sl:cH:Fh")) != -1) {
		switch (opt) {
		case 'F': /* internal: a fresh process for first_starts() */
			child = true;
			break;
		case 'n':
			rounds = atoi(optarg);
			if (rounds < 1 || rounds > ROUNDS_MAX) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 's':
			strict = true;
			break;
		case 'l':
			loglevel = atoi(optarg);
			if (loglevel < 0 || loglevel > 8) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 'c':
			capture = false;
			break;
		case 'H':
			if (!parse_heaps(&b, optarg)) {
				usage(argv[0]);
				return 1;
			}
			break;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(argv[0]);
		return 1;
	}
	b.plugin = argv[optind];
	b.loglevel = loglevel;
	b.capture = capture;
	b.first.v = b.first_v;
	if (child)
		return first_start_child(&b);
	if (geteuid() != 0) {
		fprintf(stderr, "bench: needs root: it starts real LXC "
				"containers (run it as root, e.g. sudo cmake "
				"--build build --target bench)\n");
		return 1;
	}
	lock = open(BENCH_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "bench: another bench holds %s\n", BENCH_LOCK);
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	kill_leftovers();
	if (mkdir(BENCH_DIR, 0755) < 0) {
		fprintf(stderr, "bench: cannot create %s: %s\n", BENCH_DIR,
			strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/tools.log", BENCH_DIR);
	tools_log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	snprintf(path, sizeof(path), "%s/host.log", BENCH_DIR);
	hostlog = fopen(path, "we");
	if (tools_log < 0 || !hostlog) {
		fprintf(stderr, "bench: cannot open logs in %s\n", BENCH_DIR);
		return 1;
	}
	/* before the host's SIGCHLD reaper exists, so exit codes are ours */
	if (!print_machine())
		return 1;
	so_bytes = stripped_size(argv[optind]);
	for (int f = 0; f < F_COUNT; f++)
		for (int k = 0; k <= b.n_heaps; k++) {
			/* the raw column gets a round at every heap size */
			b.s[f][k].v = calloc((size_t)rounds * HEAPS_MAX + 1,
					     sizeof(double));
			if (!b.s[f][k].v)
				return 1;
			if (k < HEAPS_MAX &&
			    !(b.raw_at[f][k].v = calloc((size_t)rounds + 1,
							sizeof(double))))
				return 1;
		}
	if (!prepare(&b, argv[optind], hostlog, loglevel, capture))
		return 1;
	printf("rounds: %d per heap size, in blocks (one platform, 10 MB "
	       "config, ten) where raw and the plugin alternate, each block "
	       "opened by an unrecorded pair, after one warm-up round; core "
	       "settings: lxc.log.level %d, log.capture %s\n",
	       rounds, loglevel, capture ? "on" : "off");
	fflush(stdout);

	t_run = pvhost_now_ms();
	ok = run(&b, rounds);
	cleanup(&b, !ok || interrupted);
	remove_run_dirs();
	if (!ok || interrupted) {
		fprintf(stderr, "bench: %s; logs in %s\n",
			interrupted ? "interrupted" : "failed", BENCH_DIR);
		return 1;
	}
	first_line_of("/proc/loadavg", NULL, path, sizeof(path));
	printf("load average at end: %s (run took %.1f s)\n", path,
	       (pvhost_now_ms() - t_run) / 1000);
	missed = print_table(&b, so_bytes);
	printf("%d of %d targets missed\n", missed, F_COUNT + 2);
	pvhost_unload(b.h);
	pvhost_rm_rf(BENCH_DIR);
	ret = missed && strict ? 2 : 0;
	return ret;
}
