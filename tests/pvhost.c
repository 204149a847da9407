// SPDX-License-Identifier: MIT
/*
 * pvhost: run one platform through a runtime plugin the way Pantavisor
 * does, and show what happens. See usage[] below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pvhost.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static const char usage[] =
	"usage: pvhost --plugin SO --name NAME --config LXC_CONF [options]\n"
	"\n"
	"Loads the runtime plugin SO as the Pantavisor core does (dlopen\n"
	"RTLD_NOW, injected logger and paths), starts platform NAME from the\n"
	"LXC config LXC_CONF, and shows:\n"
	"  the pid the plugin reports and the time spent inside\n"
	"  pv_start_container(); the config the plugin generated,\n"
	"  " PV_LXCCLI_RUNDIR "/NAME/config;\n"
	"  the container console, lines prefixed 'console| ';\n"
	"  the LXC log pipe (core source lxc/lxc.log), prefixed 'lxc-log| ';\n"
	"  the plugin's log lines, prefixed 'plugin| '.\n"
	"On Ctrl-C, SIGTERM or after --time it stops the platform with the\n"
	"core's sequence (close console and log fds, pv_stop_container(p,\n"
	"NULL), wait 5 s for init to go, else SIGKILL) and prints the time\n"
	"inside pv_stop_container(), the time until init was gone and\n"
	"whether it had to be killed.\n"
	"\n"
	"options:\n"
	"  --plugin SO        plugin to load (required)\n"
	"  --name NAME        platform name (required)\n"
	"  --config LXC_CONF  platform config, passed as conf_file (required)\n"
	"  --sandbox DIR      root of every injected path (default: a new\n"
	"                     /tmp/pvhost.XXXXXX, removed at exit)\n"
	"  --role mgmt|app    platform role (default app)\n"
	"  --group NAME       group name (default platform)\n"
	"  --rev REV          revision (default 0)\n"
	"  --exec CMD         p->exec, a legacy init command\n"
	"  --export           p->export; pv_validate_container_config runs\n"
	"  --no-automodfw     p->automodfw = false\n"
	"  --no-std-log       p->std_log = false (2026.08 layout)\n"
	"  --no-capture       pv_set_pv_conf_capture_fn(false)\n"
	"  --loglevel N       pv_set_pv_conf_loglevel_fn(N), LXC scale (2)\n"
	"  --pid1             act as PID 1: subreaper, reap every child\n"
	"                     (default)\n"
	"  --appengine        reap nothing, no subreaper (core 2026.01)\n"
	"  --time SECONDS     stop after SECONDS (default: wait for Ctrl-C)\n"
	"  --make-rootfs DIR  first build a busybox rootfs with the test init\n"
	"                     in DIR and write LXC_CONF for it\n"
	"  --platform DIR     instead of --name and --config: a platform\n"
	"                     folder as the core has it in a revision\n"
	"                     (run.json, lxc.container.conf, root.squashfs,\n"
	"                     optional _config/). pvhost does what the core\n"
	"                     does first: loop-mounts root.squashfs at\n"
	"                     SANDBOX/volumes/NAME/root.squashfs, mounts the\n"
	"                     run.json storage volumes (lxc-overlay: a\n"
	"                     tmpfs), copies _config/ to SANDBOX/configs/NAME,\n"
	"                     takes name, group, roles and exports from\n"
	"                     run.json; all undone at the end. The config's\n"
	"                     volumes must be below SANDBOX/volumes, or below\n"
	"                     --volumes\n"
	"  --volumes DIR      where volumes go (default SANDBOX/volumes);\n"
	"                     --volumes /volumes runs a device's platform\n"
	"                     folder with its config as pvr generated it\n"
	"  --make-platform    with --platform DIR, --name NAME and --sandbox:\n"
	"                     first make DIR from busybox as pvr would\n"
	"  --help             this text\n"
	"\n"
	"Exit code 0 only if the pid arrived and init went away gracefully\n"
	"after the stop.\n";

/* Self-pipe: the signal mask stays untouched, so what the plugin spawns
 * does not inherit blocked SIGINT/SIGTERM (a signalfd would need that). */
static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full pipe: a stop is already pending */
	}
	errno = saved;
}

/* Prints a stream line by line with a prefix, without the \r of PTYs. */
struct line_out {
	const char *prefix;
	char buf[4096];
	size_t len;
};

static void line_flush(struct line_out *lo)
{
	if (lo->len)
		printf("%s%.*s\n", lo->prefix, (int)lo->len, lo->buf);
	lo->len = 0;
}

static void line_feed(struct line_out *lo, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\r')
			continue;
		if (data[i] == '\n') {
			printf("%s%.*s\n", lo->prefix, (int)lo->len, lo->buf);
			lo->len = 0;
			continue;
		}
		if (lo->len == sizeof(lo->buf))
			line_flush(lo);
		lo->buf[lo->len++] = data[i];
	}
}

static void print_file(const char *path, const char *prefix)
{
	struct line_out lo = { .prefix = prefix };
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		printf("pvhost: cannot open '%s': %s\n", path, strerror(errno));
		return;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		line_feed(&lo, chunk, n);
	line_flush(&lo);
	close(fd);
}

/* Drains whatever a stream has now; false once it reached EOF. */
static bool drain(struct pvhost_plat *pl, bool console, struct line_out *lo)
{
	char chunk[4096];

	for (;;) {
		ssize_t n =
			console ? pvhost_read_console(pl, chunk, sizeof(chunk),
						      0)
				: pvhost_read_log(pl, chunk, sizeof(chunk), 0);

		if (n > 0) {
			line_feed(lo, chunk, n);
			continue;
		}
		return n < 0 && errno == ETIMEDOUT;
	}
}

enum {
	OPT_PLUGIN = 256,
	OPT_NAME,
	OPT_CONFIG,
	OPT_SANDBOX,
	OPT_ROLE,
	OPT_GROUP,
	OPT_REV,
	OPT_EXEC,
	OPT_EXPORT,
	OPT_NO_AUTOMODFW,
	OPT_NO_STD_LOG,
	OPT_NO_CAPTURE,
	OPT_LOGLEVEL,
	OPT_PID1,
	OPT_APPENGINE,
	OPT_TIME,
	OPT_MAKE_ROOTFS,
	OPT_PLATFORM,
	OPT_MAKE_PLATFORM,
	OPT_VOLUMES,
	OPT_HELP
};

static const struct option long_opts[] = {
	{ "plugin", required_argument, NULL, OPT_PLUGIN },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "sandbox", required_argument, NULL, OPT_SANDBOX },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "rev", required_argument, NULL, OPT_REV },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "export", no_argument, NULL, OPT_EXPORT },
	{ "no-automodfw", no_argument, NULL, OPT_NO_AUTOMODFW },
	{ "no-std-log", no_argument, NULL, OPT_NO_STD_LOG },
	{ "no-capture", no_argument, NULL, OPT_NO_CAPTURE },
	{ "loglevel", required_argument, NULL, OPT_LOGLEVEL },
	{ "pid1", no_argument, NULL, OPT_PID1 },
	{ "appengine", no_argument, NULL, OPT_APPENGINE },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "make-rootfs", required_argument, NULL, OPT_MAKE_ROOTFS },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "make-platform", no_argument, NULL, OPT_MAKE_PLATFORM },
	{ "volumes", required_argument, NULL, OPT_VOLUMES },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct args {
	struct pvhost_opts o;
	const char *name, *config, *role, *group, *rev, *exec, *rootfs;
	const char *platform; /* a platform folder as a revision holds it */
	bool export_, automodfw, std_log, make_platform;
	double time_s;
};

static bool parse_number(const char *s, double min, double max, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !errno && end != s && !*end && *v >= min && *v <= max;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	double v;
	int c;

	pvhost_opts_init(&a->o, NULL);
	a->group = "platform";
	a->rev = "0";
	a->automodfw = true;
	a->std_log = true;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PLUGIN:
			a->o.plugin = optarg;
			break;
		case OPT_NAME:
			a->name = optarg;
			break;
		case OPT_CONFIG:
			a->config = optarg;
			break;
		case OPT_SANDBOX:
			a->o.sandbox = optarg;
			break;
		case OPT_ROLE:
			if (strcmp(optarg, "mgmt") && strcmp(optarg, "app")) {
				fprintf(stderr,
					"pvhost: --role '%s' is not "
					"mgmt or app\n",
					optarg);
				return 2;
			}
			a->role = optarg;
			break;
		case OPT_GROUP:
			a->group = optarg;
			break;
		case OPT_REV:
			a->rev = optarg;
			break;
		case OPT_EXEC:
			a->exec = optarg;
			break;
		case OPT_EXPORT:
			a->export_ = true;
			break;
		case OPT_NO_AUTOMODFW:
			a->automodfw = false;
			break;
		case OPT_NO_STD_LOG:
			a->std_log = false;
			break;
		case OPT_NO_CAPTURE:
			a->o.capture = false;
			break;
		case OPT_LOGLEVEL:
			if (!parse_number(optarg, 0, 8, &v) || v != (int)v) {
				fprintf(stderr,
					"pvhost: --loglevel '%s' is "
					"not 0..8\n",
					optarg);
				return 2;
			}
			a->o.loglevel = (int)v;
			break;
		case OPT_PID1:
			a->o.pid1 = true;
			break;
		case OPT_APPENGINE:
			a->o.pid1 = false;
			break;
		case OPT_TIME:
			if (!parse_number(optarg, 0.001, 1e6, &a->time_s)) {
				fprintf(stderr,
					"pvhost: --time '%s' is not a "
					"positive number of seconds\n",
					optarg);
				return 2;
			}
			break;
		case OPT_MAKE_ROOTFS:
			a->rootfs = optarg;
			break;
		case OPT_PLATFORM:
			a->platform = optarg;
			break;
		case OPT_MAKE_PLATFORM:
			a->make_platform = true;
			break;
		case OPT_VOLUMES:
			a->o.volumes = optarg;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (a->make_platform && (!a->platform || !a->name || !a->o.sandbox)) {
		fprintf(stderr, "pvhost: --make-platform needs --platform, "
				"--name and --sandbox\n");
		return 2;
	}
	if (optind < argc || !a->o.plugin ||
	    (!a->platform && (!a->name || !a->config))) {
		fprintf(stderr, "pvhost: --plugin, --name and --config are "
				"required (see --help)\n");
		return 2;
	}
	return -1;
}

/*
 * --platform: what the core does before a start, then the platform's
 * name, config, group, role and exports as run.json gives them.
 */
static int prepare_platform(struct pvhost *h, struct args *a,
			    struct pvhost_rev *rev)
{
	char vol[PATH_MAX + 16];
	double t0 = pvhost_now_ms();

	if (a->make_platform) {
		snprintf(vol, sizeof(vol), "%s", h->volumes);
		if (pvhost_make_platform(a->platform, a->name, vol) < 0)
			return -1;
		printf("pvhost: platform folder '%s' made in %.1f ms\n",
		       a->platform, pvhost_now_ms() - t0);
		t0 = pvhost_now_ms();
	}
	if (pvhost_rev_prepare(h, a->platform, rev) < 0)
		return -1;
	printf("pvhost: '%s' prepared as the core does in %.1f ms: %s on a "
	       "loop device, %d mounts, config overlay %s\n",
	       rev->name, pvhost_now_ms() - t0, rev->mounts[0], rev->n_mounts,
	       rev->configs[0] ? rev->configs : "none");
	a->name = rev->name;
	a->config = rev->conf;
	a->group = rev->group[0] ? rev->group : NULL;
	a->role = rev->mgmt ? "mgmt" : "app";
	a->export_ = rev->export_;
	return 0;
}

int main(int argc, char **argv)
{
	struct line_out con = { .prefix = "console| " };
	struct line_out lxclog = { .prefix = "lxc-log| " };
	struct pvhost_plat *pl = NULL;
	struct pvhost_rev rev = { 0 };
	struct pvhost *h = NULL;
	struct args a = { 0 };
	bool con_open = false, log_open = false, exited = false;
	bool stop_now = false, pid_failed = false;
	int pidfd = -1, killed = 0, ret = 1, r;
	double deadline = 0;
	pid_t pid = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	r = parse_args(argc, argv, &a);
	if (r >= 0)
		return r;

	if (a.rootfs) {
		double t0 = pvhost_now_ms();

		if (pvhost_make_rootfs(a.rootfs, NULL) < 0 ||
		    pvhost_write_lxc_conf(a.config, a.rootfs, NULL,
					  "lxc.environment = FOO=pvhost\n") < 0)
			return 1;
		printf("pvhost: rootfs '%s' and config '%s' made in %.1f ms\n",
		       a.rootfs, a.config, pvhost_now_ms() - t0);
	}

	a.o.log = stdout;
	a.o.log_prefix = "plugin| ";
	h = pvhost_load(&a.o);
	if (!h)
		return 1;
	printf("pvhost: loaded '%s', sandbox '%s', %s mode\n", a.o.plugin,
	       h->sandbox, a.o.pid1 ? "PID 1" : "appengine");
	if (a.platform && prepare_platform(h, &a, &rev) < 0)
		goto out;

	pl = malloc(sizeof(*pl));
	if (!pl || pvhost_plat_init(pl, a.name, a.config) < 0) {
		perror("pvhost: platform");
		goto out;
	}
	snprintf(pl->rev, sizeof(pl->rev), "%s", a.rev);
	pl->mgmt = a.role && !strcmp(a.role, "mgmt");
	pl->group = a.group;
	pl->exec = a.exec;
	pl->export_ = a.export_;
	pl->automodfw = a.automodfw;
	pl->std_log = a.std_log;

	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		perror("pvhost: pipe");
		goto out;
	}
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	r = pvhost_start(h, pl);
	if (pl->validate_ret)
		printf("pvhost: pv_validate_container_config refused the "
		       "config (%d), start not called\n",
		       pl->validate_ret);
	else
		printf("pvhost: pv_start_container returned %d after %.2f "
		       "ms\n",
		       r, pl->start_call_ms);
	if (r != 0)
		goto stop;
	if (a.time_s > 0)
		deadline = pvhost_now_ms() + a.time_s * 1000;
	log_open = pl->p.log.lxc_pipe[0] >= 0;

	while (!stop_now) {
		struct pollfd pfd[5];
		int n = 0, i_sig, i_pid = -1, i_con = -1, i_log = -1;
		int i_init = -1, timeout = -1;

		i_sig = n;
		pfd[n++] = (struct pollfd){ sig_pipe[0], POLLIN, 0 };
		if (!pl->pid_read) {
			i_pid = n;
			pfd[n++] =
				(struct pollfd){ pl->p.pipefd[0], POLLIN, 0 };
		}
		if (con_open) {
			i_con = n;
			pfd[n++] = (struct pollfd){ pl->console_fd, POLLIN, 0 };
		}
		if (log_open) {
			i_log = n;
			pfd[n++] = (struct pollfd){ pl->p.log.lxc_pipe[0],
						    POLLIN, 0 };
		}
		if (pidfd >= 0) {
			i_init = n;
			pfd[n++] = (struct pollfd){ pidfd, POLLIN, 0 };
		}
		if (deadline > 0) {
			timeout = (int)(deadline - pvhost_now_ms());
			if (timeout <= 0)
				break;
		}
		r = poll(pfd, n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("pvhost: poll");
			break;
		}
		if (pfd[i_sig].revents)
			stop_now = true;
		if (i_con >= 0 && pfd[i_con].revents)
			con_open = drain(pl, true, &con);
		if (i_log >= 0 && pfd[i_log].revents)
			log_open = drain(pl, false, &lxclog);
		if (i_pid >= 0 && pfd[i_pid].revents) {
			pid = pvhost_wait_pid(h, pl, 0);
			if (pid > 0) {
				char path[PATH_MAX];

				printf("pvhost: pid %d after %.2f ms; "
				       "console fd %d, tty fd %d\n",
				       (int)pid, pl->pid_ms, pl->console_fd,
				       pl->tty_fd);
				snprintf(path, sizeof(path), "%s/%s/config",
					 PV_LXCCLI_RUNDIR, pl->name);
				printf("pvhost: generated config '%s':\n",
				       path);
				print_file(path, "config| ");
				con_open = pl->console_fd >= 0;
				pidfd = syscall(SYS_pidfd_open, pid, 0);
			} else if (pl->pid_read) {
				printf("pvhost: no pid: %s (value %d)\n",
				       pl->pid_eof ? "pipe closed"
						   : "plugin reported failure",
				       (int)pl->pid_value);
				pid_failed = true;
				break;
			}
		}
		if (i_init >= 0 && pfd[i_init].revents) {
			printf("pvhost: init %d exited by itself\n", (int)pid);
			exited = true;
			break;
		}
	}
	/* Whatever is already there; the core closes these before stop. */
	if (con_open)
		drain(pl, true, &con);
	if (log_open)
		drain(pl, false, &lxclog);
	line_flush(&con);
	line_flush(&lxclog);
stop:
	r = pvhost_stop(h, pl, &killed);
	if (pl->stop_called)
		printf("pvhost: pv_stop_container took %.2f ms; init %s "
		       "%.2f ms after it returned\n",
		       pl->stop_call_ms, killed ? "SIGKILLed, gone" : "gone",
		       pl->stop_gone_ms);
	else
		printf("pvhost: no init pid, pv_stop_container not called\n");
	if (a.rootfs) {
		char path[PATH_MAX];

		/* The console is closed before the stop: the halt line of
		 * the test init is only in its own log. */
		snprintf(path, sizeof(path), "%s/%s", a.rootfs,
			 PVHOST_TEST_INIT_LOG);
		printf("pvhost: test init's log '%s':\n", path);
		print_file(path, "init-log| ");
	}
	ret = (pid > 0 && !pid_failed && !exited && r == 0 && !killed) ? 0 : 1;
out:
	if (pidfd >= 0)
		close(pidfd);
	pvhost_rev_undo(&rev); /* the container is down by now */
	if (h && h->sandbox_made && pvhost_rm_rf(h->sandbox) < 0)
		printf("pvhost: could not remove sandbox '%s': %s\n",
		       h->sandbox, strerror(errno));
	pvhost_unload(h);
	free(pl);
	return ret;
}
