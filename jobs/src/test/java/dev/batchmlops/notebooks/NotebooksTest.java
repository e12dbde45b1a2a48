package dev.batchmlops.notebooks;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchmlops.support.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The notebooks as committed: no outputs (no stale numbers or images in the repository; strip them
 * with `jupyter nbconvert --clear-output --inplace notebooks/*.ipynb`), and a parameter cell that
 * CI and other deployments can set. Their execution is RetrainingLoopIT's.
 */
class NotebooksTest {
  private static List<Path> notebooks() throws IOException {
    try (Stream<Path> files = Files.list(ProjectPaths.root().resolve("notebooks"))) {
      return files.filter(f -> f.toString().endsWith(".ipynb")).sorted().toList();
    }
  }

  @Test
  void committedNotebooksHoldNoOutputsAndAParameterCell() throws IOException {
    List<Path> notebooks = notebooks();
    assertEquals(3, notebooks.size(), "data, experiments, monitoring: " + notebooks);
    ObjectMapper json = new ObjectMapper();
    for (Path notebook : notebooks) {
      JsonNode cells = json.readTree(notebook.toFile()).path("cells");
      int parameterCells = 0;
      for (int i = 0; i < cells.size(); i++) {
        JsonNode cell = cells.get(i);
        if (!cell.path("cell_type").asText().equals("code")) {
          continue;
        }
        String where = notebook.getFileName() + " cell " + i;
        assertEquals(0, cell.path("outputs").size(), where + " holds outputs: clear them");
        assertTrue(cell.path("execution_count").isNull(), where + " holds an execution count");
        for (JsonNode tag : cell.path("metadata").path("tags")) {
          parameterCells += tag.asText().equals("parameters") ? 1 : 0;
        }
      }
      assertEquals(1, parameterCells, notebook.getFileName() + ": one cell tagged 'parameters'");
    }
  }
}
