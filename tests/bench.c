// SPDX-License-Identifier: MIT
/*
 * bench: the plugin against raw LXC, side by side in one run.
 *
 * One busybox platform (PVHOST_TEST_INIT, which traps the halt signal) is
 * started and stopped in interleaved rounds, raw LXC then the plugin, so a
 * load that comes and goes on the machine hits both sides alike:
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
 * The first start of a process runs `lxc-start --version` in the caller; a
 * warm-up round takes it out of the figures and it is printed on its own.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/* Targets of the issue. */
#define T_START_RATIO 1.15
#define T_IN_START_MS 2.0
#define T_IN_STOP_MS 1.0
#define T_STOP_RATIO 1.2
#define T_TEN_RATIO 1.2
#define T_SO_KIB 48.0

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

	proc_init(p);
	if (capture && pipe2(out, O_CLOEXEC) < 0)
		return -1;
	p->pid = fork();
	if (p->pid < 0) {
		close_fd(&out[0]);
		close_fd(&out[1]);
		return -1;
	}
	if (p->pid == 0) {
		int null = open("/dev/null", O_RDWR);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		dup2(null, 0);
		dup2(capture ? out[1] : null, 1);
		dup2(tools_log >= 0 ? tools_log : null, 2);
		pvhost_cloexec_from(3);
		execvp(argv[0], argv);
		_exit(127);
	}
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

		busy = 0;
		for (int k = 0; k < n; k++) {
			struct proc *p = &r[k].tool;

			if (r[k].stage == FAILED)
				return -1;
			if (r[k].stage != STARTING && r[k].stage != INFO)
				continue;
			busy++;
			if (p->pidfd < 0) { /* reaped before its pidfd */
				raw_tool_done(&r[k]);
				k--;
				continue;
			}
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

			if (!fds[i].revents || !proc_running(&x->tool))
				continue;
			if (fds[i].fd == x->tool.out)
				proc_read(&x->tool);
			else
				raw_tool_done(x);
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
	for (int k = 0; k < n; k++)
		if (raw_launch_stop(&r[k]) < 0)
			r[k].tool.pidfd = -1;
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

enum fig { F_START, F_IN_START, F_IN_STOP, F_STOP, F_TEN, F_COUNT };

static const struct {
	const char *what;
	bool ratio; /* the target is on plugin/raw; else on the plugin */
	double target;
	const char *target_text;
} figs[F_COUNT] = {
	[F_START] = { "start to pid (ms)", true, T_START_RATIO,
		      "ratio <= 1.15" },
	[F_IN_START] = { "blocking: inside start (ms)", false, T_IN_START_MS,
			 "plugin <= 2 ms" },
	[F_IN_STOP] = { "blocking: inside stop (ms)", false, T_IN_STOP_MS,
			"plugin <= 1 ms" },
	[F_STOP] = { "stop to exit (ms)", true, T_STOP_RATIO, "ratio <= 1.2" },
	[F_TEN] = { "ten at once, to all pids (ms)", true, T_TEN_RATIO,
		    "ratio <= 1.2" },
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
	struct pvhost_plat one, ten[TEN];
	struct raw rone, rten[TEN];
	struct series s[F_COUNT][2]; /* [figure][0 raw, 1 plugin] */
	double first_start_ms;
};

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

/* One platform, raw. record: keep the figures. */
static bool raw_one(struct bench *b, bool record)
{
	struct raw *r = &b->rone;

	if (raw_start(r, 1) < 0 || !init_ready(r->pid, READY_MS) ||
	    raw_stop(r, 1) < 0 || !settle())
		return false;
	if (record) {
		series_add(&b->s[F_START][0], r->pid_ms);
		series_add(&b->s[F_IN_START][0], r->start_ms);
		series_add(&b->s[F_IN_STOP][0], r->stop_ms);
		series_add(&b->s[F_STOP][0], r->gone_ms);
	}
	return true;
}

/* One platform, plugin. */
static bool plugin_one(struct bench *b, bool record)
{
	struct pvhost_plat *pl = &b->one;

	if (!plugin_up(b, pl) || !plugin_pid(b, pl) ||
	    !init_ready(pl->pid, READY_MS) || !plugin_down(b, pl) || !settle())
		return false;
	if (record) {
		series_add(&b->s[F_START][1], pl->pid_ms);
		series_add(&b->s[F_IN_START][1], pl->start_call_ms);
		series_add(&b->s[F_IN_STOP][1], pl->stop_call_ms);
		series_add(&b->s[F_STOP][1],
			   pl->stop_call_ms + pl->stop_gone_ms);
	}
	return true;
}

static bool raw_ten(struct bench *b, bool record)
{
	double ms = raw_start(b->rten, TEN);
	bool ok = ms >= 0;

	for (int k = 0; k < TEN && ok; k++)
		ok = init_ready(b->rten[k].pid, READY_MS);
	if (raw_stop(b->rten, TEN) < 0 || !ok || !settle())
		return false;
	if (record)
		series_add(&b->s[F_TEN][0], ms);
	return true;
}

static bool plugin_ten(struct bench *b, bool record)
{
	double t0 = pvhost_now_ms();
	bool ok = true;

	for (int k = 0; k < TEN && ok; k++)
		ok = plugin_up(b, &b->ten[k]);
	for (int k = 0; k < TEN && ok; k++)
		ok = plugin_pid(b, &b->ten[k]);
	if (record && ok)
		series_add(&b->s[F_TEN][1], pvhost_now_ms() - t0);
	for (int k = 0; k < TEN && ok; k++)
		ok = init_ready(b->ten[k].pid, READY_MS);
	for (int k = 0; k < TEN; k++)
		ok = plugin_down(b, &b->ten[k]) && ok;
	return settle() && ok;
}

static void print_row(const char *what, const double *raw, const double *pl,
		      const char *ratio, const char *target, const char *res)
{
	char rs[48] = "-", ps[48];

	if (raw)
		snprintf(rs, sizeof(rs), "%.1f / %.1f / %.1f", raw[0], raw[1],
			 raw[2]);
	snprintf(ps, sizeof(ps), "%.2f / %.2f / %.2f", pl[0], pl[1], pl[2]);
	printf("| %-29s | %-22s | %-24s | %-10s | %-14s | %-4s |\n", what, rs,
	       ps, ratio, target, res);
}

/* Prints the table; returns the number of missed targets. */
static int print_table(struct bench *b, long so_bytes)
{
	int missed = 0;

	printf("\n| %-29s | %-22s | %-24s | %-10s | %-14s | %-4s |\n", "figure",
	       "raw min/median/max", "plugin min/median/max", "plugin/raw",
	       "target", "");
	printf("|-------------------------------|------------------------|"
	       "--------------------------|------------|----------------|"
	       "------|\n");
	for (int f = 0; f < F_COUNT; f++) {
		struct series *raw = &b->s[f][0], *pl = &b->s[f][1];
		double rv[3] = { 0 }, pv[3], ratio = 0, value;
		char rt[16] = "-";
		bool pass;

		series_stats(pl, pv);
		if (raw->n) {
			series_stats(raw, rv);
			ratio = pv[1] / rv[1];
			snprintf(rt, sizeof(rt), "%.2f", ratio);
		}
		value = figs[f].ratio ? ratio : pv[1];
		pass = value <= figs[f].target;
		missed += !pass;
		print_row(figs[f].what, raw->n ? rv : NULL, pv, rt,
			  figs[f].target_text, pass ? "pass" : "MISS");
	}
	if (so_bytes >= 0) {
		double kib = so_bytes / 1024.0;
		bool pass = kib <= T_SO_KIB;
		char size[48];

		snprintf(size, sizeof(size), "%ld B = %.1f KiB", so_bytes, kib);
		missed += !pass;
		printf("| %-29s | %-22s | %-24s | %-10s | %-14s | %-4s |\n",
		       "stripped .so", "-", size, "-", "<= 48 KiB",
		       pass ? "pass" : "MISS");
	}
	return missed;
}

static void usage(const char *me)
{
	fprintf(stderr,
		"usage: %s [-n ROUNDS] [-s] [-l LEVEL] [-c] PLUGIN.so\n"
		"  -n ROUNDS  rounds of each side (default %d, at most %d)\n"
		"  -s         exit 2 when a target is missed (default: 0)\n"
		"  -l LEVEL   the core's lxc.log.level, 0-8 (default 2)\n"
		"  -c         the core's log.capture off (default on)\n"
		"Runs real LXC containers named bench*: needs root, stock LXC "
		"and busybox-static.\n",
		me, ROUNDS_DEFAULT, ROUNDS_MAX);
}

static bool prepare(struct bench *b, const char *plugin, FILE *hostlog,
		    int loglevel, bool capture)
{
	const char *rootfs = BENCH_DIR "/rootfs";
	const char *conf = BENCH_DIR "/lxc.container.conf";
	struct pvhost_opts o;
	char name[32];

	if (pvhost_make_rootfs(rootfs, NULL) < 0 ||
	    pvhost_write_lxc_conf(conf, rootfs, NULL, NULL) < 0) {
		fprintf(stderr, "bench: cannot build the busybox platform "
				"(apt-get install busybox-static?)\n");
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
	pvhost_plat_init(&b->one, "bench-pv", conf);
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
	for (int k = 0; k < TEN; k++)
		plugin_down(b, &b->ten[k]);
	if (failed)
		each_name(raw_kill_leftover);
	settle();
}

int main(int argc, char **argv)
{
	static struct bench b;
	struct sigaction sa = { .sa_handler = on_signal };
	int rounds = ROUNDS_DEFAULT, opt, lock = -1, missed, ret = 1;
	bool strict = false, ok = true, capture = true;
	int loglevel = 2; /* the core's defaults: lxc.log.level 2, capture */
	FILE *hostlog = NULL;
	long so_bytes;
	char path[PATH_MAX];
	double t_run;

	while ((opt = getopt(argc, argv, "n:sl:ch")) != -1) {
		switch (opt) {
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
		default:
			usage(argv[0]);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(argv[0]);
		return 1;
	}
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
		for (int s = 0; s < 2; s++) {
			b.s[f][s].v = calloc((size_t)rounds, sizeof(double));
			if (!b.s[f][s].v)
				return 1;
		}
	if (!prepare(&b, argv[optind], hostlog, loglevel, capture))
		return 1;
	printf("rounds: %d of each side, interleaved (raw, plugin, ...), "
	       "after one warm-up round; core settings: lxc.log.level %d, "
	       "log.capture %s\n",
	       rounds, loglevel, capture ? "on" : "off");
	fflush(stdout);

	t_run = pvhost_now_ms();
	/* warm-up, plugin first: its first start asks lxc-start --version,
	 * and the raw side runs the configs the plugin writes */
	ok = plugin_one(&b, false);
	b.first_start_ms = b.one.start_call_ms;
	ok = ok && plugin_ten(&b, false) && raw_one(&b, false) &&
	     raw_ten(&b, false);
	for (int i = 0; ok && i < rounds && !interrupted; i++)
		ok = raw_one(&b, true) && plugin_one(&b, true) &&
		     raw_ten(&b, true) && plugin_ten(&b, true);
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
	printf("\nfirst start of the process (the plugin runs 'lxc-start "
	       "--version' in the caller, once): %.2f ms inside "
	       "pv_start_container; not in the figures above\n",
	       b.first_start_ms);
	printf("%d of %d targets missed\n", missed, F_COUNT + 1);
	pvhost_unload(b.h);
	pvhost_rm_rf(BENCH_DIR);
	ret = missed && strict ? 2 : 0;
	return ret;
}
