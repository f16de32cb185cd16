package io.meshgrad;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/**
 * Captures what log4j logs in this JVM (the driver and, in local mode, the executors) while it is
 * open: an appender on the root logger, plus optional levels for named loggers, put back on
 * {@link #close()}.
 */
public final class LogCapture implements AutoCloseable {
  private static final AtomicInteger COUNT = new AtomicInteger();

  private final List<LogEvent> events = new CopyOnWriteArrayList<>();
  private final AbstractAppender appender;
  private final Map<String, Level> previousLevels = new LinkedHashMap<>();

  private LogCapture(Map<String, Level> levels) {
    appender = new AbstractAppender("meshgrad-test-capture-" + COUNT.incrementAndGet(), null, null, true,
        Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        events.add(event.toImmutable());
      }
    };
    appender.start();
    for (Map.Entry<String, Level> e : levels.entrySet()) {
      previousLevels.put(e.getKey(), LogManager.getLogger(e.getKey()).getLevel());
      Configurator.setLevel(e.getKey(), e.getValue());
    }
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    config.getRootLogger().addAppender(appender, Level.ALL, null);
    ctx.updateLoggers();
  }

  /** Starts capturing at the configured levels. */
  public static LogCapture start() {
    return new LogCapture(Map.of());
  }

  /** Starts capturing with {@code logger} at {@code level} until closed. */
  public static LogCapture start(String logger, Level level) {
    return new LogCapture(Map.of(logger, level));
  }

  /** The events so far. */
  public List<LogEvent> events() {
    return new ArrayList<>(events);
  }

  /** The events of {@code level} from loggers whose name starts with {@code loggerPrefix}. */
  public List<LogEvent> events(Level level, String loggerPrefix) {
    return events.stream().filter(e -> e.getLevel() == level && e.getLoggerName().startsWith(loggerPrefix)).toList();
  }

  /** One line per event: level, logger, message, and the first line of a thrown exception. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    for (LogEvent e : events) {
      b.append(e.getLevel()).append(' ').append(e.getLoggerName()).append(": ")
          .append(e.getMessage().getFormattedMessage());
      if (e.getThrown() != null) {
        b.append(" [").append(e.getThrown()).append(']');
      }
      b.append('\n');
    }
    return b.toString();
  }

  @Override
  public void close() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    ctx.getConfiguration().getRootLogger().removeAppender(appender.getName());
    ctx.updateLoggers();
    appender.stop();
    for (Map.Entry<String, Level> e : previousLevels.entrySet()) {
      Configurator.setLevel(e.getKey(), e.getValue());
    }
  }
}
